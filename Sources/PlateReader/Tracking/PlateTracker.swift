import Foundation
import Imaging
import Plates

/// Folds the reads of one camera's sampled frames into vehicle passes. A read
/// joins the open track whose plate is near where it was last seen (allowing
/// for motion between samples) and whose text is close (a few look-alikes
/// apart), or — after an occlusion — any recent track with nearly the same
/// text. A car standing at the barrier for a minute is one track: it only
/// closes once the plate has been gone for `leaveAfter` seconds.
///
/// Pure and deterministic: stream time comes from the frames. One per camera.
public final class PlateTracker {
    public struct Settings: Sendable {
        /// A track closes when its plate has not been read for this long (stream seconds).
        public var leaveAfter: Double
        /// Reads of exactly the voted text needed to confirm a track…
        public var confirmReads: Int
        /// …or one read at least this sure.
        public var confirmConfidence: Double
        /// Most text distance (look-alikes count half) for a read to join a track near it.
        public var maxTextDistance: Double
        /// Most centre movement between two reads, in plate widths per second.
        public var maxSpeed: Double

        public init(leaveAfter: Double = 2, confirmReads: Int = 2, confirmConfidence: Double = 0.98,
                    maxTextDistance: Double = 2.5, maxSpeed: Double = 8) {
            self.leaveAfter = leaveAfter
            self.confirmReads = confirmReads
            self.confirmConfidence = confirmConfidence
            self.maxTextDistance = maxTextDistance
            self.maxSpeed = maxSpeed
        }
    }

    private struct Open {
        var track: PlateTrack
        /// Per text length: per position: character → summed confidence.
        var votes: [Int: [[Character: Double]]] = [:]
        var lengthVotes: [Int: Double] = [:]
        var confirmed = false
        /// The latest read's text: while the vote is still settling (a misread of another length can
        /// briefly win it), a read is compared with this too.
        var lastText = ""
        /// How many reads gave each text exactly.
        var textCounts: [String: Int] = [:]
    }

    public let settings: Settings
    private let cameraID: String
    private let distance = PlateDistance()
    private var open: [Open] = []
    private var nextID = 1

    public init(cameraID: String, settings: Settings = Settings()) {
        self.cameraID = cameraID
        self.settings = settings
    }

    /// Tracks open now (confirmed or not).
    public var openTracks: Int { open.count }

    /// Adds one analysed frame's reads (an empty list is a frame without plates: time passes).
    public func update(_ reads: [PlateRead], frame: Frame) -> [TrackEvent] {
        var events: [TrackEvent] = []
        var taken = Set<Int>()
        // Most confident reads claim their track first; a read centred on a surer read's plate in the same
        // frame is that plate read again (another crop of it), not a second vehicle.
        var kept: [PlateRead] = []
        for read in reads.sorted(by: { $0.confidence > $1.confidence }) where !kept.contains(where: { Self.covers($0, read) }) {
            kept.append(read)
        }
        for read in kept {
            if let index = bestTrack(for: read, at: frame.timestamp, excluding: taken) {
                taken.insert(index)
                fold(read, frame: frame, into: &open[index])
                if let event = confirmIfReady(&open[index]) { events.append(event) }
            } else {
                var track = Open(track: PlateTrack(
                    id: nextID, cameraID: cameraID, text: read.text, confidence: read.confidence,
                    characterAgreement: Array(repeating: 1, count: read.text.count), region: read.region, kind: read.kind,
                    firstSeen: frame.timestamp, lastSeen: frame.timestamp, firstSeenAt: frame.capturedAt,
                    lastSeenAt: frame.capturedAt, reads: 0, best: read, bestFrame: frame, firstQuad: read.quad,
                    lastQuad: read.quad))
                nextID += 1
                fold(read, frame: frame, into: &track)
                if let event = confirmIfReady(&track) { events.append(event) }
                open.append(track)
                taken.insert(open.count - 1)
            }
        }
        events += close { frame.timestamp - $0.track.lastSeen > settings.leaveAfter }
        return events
    }

    /// Whether `other`'s centre lies inside `read`'s box.
    static func covers(_ read: PlateRead, _ other: PlateRead) -> Bool {
        let a = read.quad.boundingBox, b = other.quad.boundingBox
        let x = b.x + b.width / 2, y = b.y + b.height / 2
        return x >= a.x && x <= a.x + a.width && y >= a.y && y <= a.y + a.height
    }

    /// Closes every open track (the camera stopped or is being reconfigured).
    public func finish() -> [TrackEvent] {
        close { _ in true }
    }

    private func close(where done: (Open) -> Bool) -> [TrackEvent] {
        var events: [TrackEvent] = []
        open.removeAll { entry in
            guard done(entry) else { return false }
            if entry.confirmed { events.append(.closed(entry.track)) }
            return true
        }
        return events
    }

    /// The open track this read most likely belongs to.
    private func bestTrack(for read: PlateRead, at time: Double, excluding taken: Set<Int>) -> Int? {
        var best: (index: Int, cost: Double)?
        let box = read.quad.boundingBox
        for (index, entry) in open.enumerated() where !taken.contains(index) {
            let last = entry.track.lastQuad.boundingBox
            let elapsed = max(0.04, time - entry.track.lastSeen)
            let width = max(box.width, last.width, 1)
            let moved = hypot(box.x + box.width / 2 - last.x - last.width / 2, box.y + box.height / 2 - last.y - last.height / 2) / width
            let text = min(distance(read.text, entry.track.text), distance(read.text, entry.lastText),
                           distance(read.text, entry.track.best.text))
            let near = moved <= settings.maxSpeed * elapsed + 0.5
            // Near and similar, or anywhere with nearly the same text (the plate came back after an occlusion).
            guard (near && text <= settings.maxTextDistance) || text <= 1 else { continue }
            let cost = text + (near ? moved / (settings.maxSpeed * elapsed + 0.5) : 1)
            if best == nil || cost < best!.cost { best = (index, cost) }
        }
        return best?.index
    }

    private func fold(_ read: PlateRead, frame: Frame, into entry: inout Open) {
        let characters = Array(read.text)
        let length = characters.count
        var table = entry.votes[length] ?? Array(repeating: [:], count: length)
        for (position, character) in characters.enumerated() {
            let confidence = position < read.characters.count ? Double(read.characters[position].confidence) : read.confidence
            table[position][character, default: 0] += max(0.01, confidence)
        }
        entry.votes[length] = table
        entry.lengthVotes[length, default: 0] += max(0.01, read.confidence)
        entry.lastText = read.text
        entry.textCounts[read.text, default: 0] += 1

        var track = entry.track
        track.reads += 1
        track.lastSeen = frame.timestamp
        track.lastSeenAt = frame.capturedAt
        track.lastQuad = read.quad
        // The vote: the length with the most confidence behind it, then the best character per position.
        let votedLength = entry.lengthVotes.max { ($0.value, -$0.key) < ($1.value, -$1.key) }!.key
        let positions = entry.votes[votedLength]!
        var text = "", agreement: [Double] = []
        for position in positions {
            let winner = position.max { ($0.value, $1.key) < ($1.value, $0.key) }!
            text.append(winner.key)
            agreement.append(winner.value / position.values.reduce(0, +))
        }
        track.text = text
        track.characterAgreement = agreement
        // The best evidence: the surest read of the voted text (any read until one has it).
        if (read.text == text && (track.best.text != text || read.confidence > track.best.confidence))
            || (track.best.text != text && read.confidence > track.best.confidence) || track.reads == 1 {
            track.best = read
            track.bestFrame = frame
            track.region = read.region
            track.kind = read.kind
        }
        let agreeing = agreement.reduce(0, +) / Double(max(1, agreement.count))
        track.confidence = agreeing * (track.best.text == text ? track.best.confidence : read.confidence)
        entry.track = track
    }

    private func confirmIfReady(_ entry: inout Open) -> TrackEvent? {
        guard !entry.confirmed else { return nil }
        // Confirmed when the vote's text has been read exactly often enough (two reads that disagree on the
        // province are not yet a plate), or by one nearly certain read.
        guard ((entry.textCounts[entry.track.text] ?? 0) >= settings.confirmReads && entry.track.confidence >= 0.5)
            || entry.track.best.confidence >= settings.confirmConfidence else { return nil }
        entry.confirmed = true
        return .confirmed(entry.track)
    }
}
