import Foundation
import Imaging
import Plates

/// One vehicle pass as one camera saw it: every read of the same plate folded
/// together. The text is a vote per character weighted by confidence, so one
/// bad frame does not change the plate; the best frame is kept as evidence.
public struct PlateTrack: Sendable {
    /// Unique per tracker (per camera), in the order tracks were opened.
    public let id: Int
    public let cameraID: String
    /// The voted canonical text.
    public internal(set) var text: String
    /// 0–1: how much the reads agree on each character times how sure the agreeing reads were.
    public internal(set) var confidence: Double
    /// Per character of `text`: the share of the vote it won.
    public internal(set) var characterAgreement: [Double]
    public internal(set) var region: PlateRegion?
    public internal(set) var kind: PlateKind
    /// Stream time (seconds) of the first and last frame with a read.
    public internal(set) var firstSeen: Double
    public internal(set) var lastSeen: Double
    public internal(set) var firstSeenAt: Date
    public internal(set) var lastSeenAt: Date
    /// Reads folded in.
    public internal(set) var reads: Int
    /// The most confident read whose text is the voted text (or the most confident at all until one agrees).
    public internal(set) var best: PlateRead
    /// The frame of `best`: the snapshot to keep.
    public internal(set) var bestFrame: Frame
    /// Where the plate was first and last seen: how the vehicle moved (down the picture and growing: towards the camera).
    public internal(set) var firstQuad: Quadrilateral
    public internal(set) var lastQuad: Quadrilateral

    /// Centre of the last box minus centre of the first, in frame pixels, and last width over first width.
    public var motion: (dx: Double, dy: Double, growth: Double) {
        let a = firstQuad.boundingBox, b = lastQuad.boundingBox
        return (b.x + b.width / 2 - a.x - a.width / 2, b.y + b.height / 2 - a.y - a.height / 2,
                a.width > 0 ? b.width / a.width : 1)
    }
}

/// What the tracker reports: a track worth recording (once), and its end.
public enum TrackEvent: Sendable {
    /// The plate is sure enough to record (enough agreeing reads, or one very sure read). Sent once per track.
    case confirmed(PlateTrack)
    /// The plate has not been seen for `leaveAfter` seconds (or the camera stopped): the final vote.
    /// Only for confirmed tracks.
    case closed(PlateTrack)

    public var track: PlateTrack {
        switch self {
        case .confirmed(let track), .closed(let track): track
        }
    }
}
