import ArgumentParser
import Capture
import Foundation
import PlateReader

/// `checkpoint track CLIP`: what the daemon would make of a recording — the vehicles (tracks) the reader and
/// the tracker find in it, one line each. For checking a camera's placement and settings on a saved clip.
struct TrackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "track",
        abstract: "Read the plates of a video clip and print one line per vehicle (track), as the daemon would record them.",
        discussion: """
            Frames are sampled at --fps of stream time (a camera's analyse_fps) and decoded as fast as the CPU allows.
            A vehicle is reported once its plate is confirmed; the final vote is the one printed. Exits 1 if the
            clip cannot be decoded.
            """)

    @Argument(help: "A video file (or any URL libavformat opens).")
    var clip: String

    @Option(help: "Frames analysed per second of video (the camera's analyse_fps).")
    var fps: Double = 5

    @OptionGroup var reader: ReaderOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard fps > 0, fps <= 60 else { throw ValidationError("--fps must be above 0 and at most 60") }
    }

    func run() throws {
        let plateReader = try reader.makeReader(stream: true)
        let tracker = PlateTracker(cameraID: "clip")
        var tracks: [Int: PlateTrack] = [:]
        func note(_ events: [TrackEvent]) { for event in events { tracks[event.track.id] = event.track } }
        let frames: Int
        do {
            frames = try ClipFrames.read(clip, fps: fps, start: Date(timeIntervalSince1970: 0)) { frame in
                note(tracker.update(plateReader.read(frame.image), frame: frame))
            }
        } catch {
            throw CLIError(message: "\(clip): \(error)", code: 1)
        }
        note(tracker.finish())
        let ordered = tracks.values.sorted { $0.firstSeen < $1.firstSeen }
        if json {
            let items: [[String: Any]] = ordered.map {
                ["id": $0.id, "plate": $0.text, "confidence": ($0.confidence * 1000).rounded() / 1000,
                 "first_seen": ($0.firstSeen * 100).rounded() / 100, "last_seen": ($0.lastSeen * 100).rounded() / 100,
                 "reads": $0.reads, "kind": $0.kind.rawValue]
            }
            let data = try JSONSerialization.data(withJSONObject: ["clip": clip, "frames": frames, "tracks": items],
                                                  options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("\(frames) frames analysed, \(ordered.count) vehicles")
            for track in ordered {
                print(String(format: "%7.2f–%7.2f s  %@  %3.0f%%  %d reads", track.firstSeen, track.lastSeen, track.text,
                             track.confidence * 100, track.reads))
            }
        }
    }
}
