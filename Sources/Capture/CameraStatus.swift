import Foundation

/// Where a camera stands, as the API and health checks show it.
public enum CameraState: String, Sendable, Equatable, CaseIterable {
    /// Opening the stream.
    case connecting
    /// Frames arrive.
    case streaming
    /// Was streaming, then no frame for `stall_seconds`; reconnecting.
    case stalled
    /// Cannot connect (network, camera down); retried with backoff.
    case offline
    /// Needs a person: credentials rejected, no such stream, not a valid stream, missing secret.
    case failed
    /// `enabled: false` in its file.
    case disabled
}

/// A snapshot of one camera's health and counters.
public struct CameraStatus: Sendable, Equatable {
    public var id: String
    public var name: String
    public var checkpoint: String
    public var lane: String
    public var direction: String
    /// The source address with any password masked.
    public var source: String
    public var state: CameraState
    public var stateSince: Date
    public var codec: String?
    public var width: Int?
    public var height: Int?
    /// Frames decoded per second, averaged over the last few seconds.
    public var fpsIn: Double
    /// Frames analysed per second.
    public var fpsAnalysed: Double
    public var framesDecoded: Int
    public var framesAnalysed: Int
    /// Frames dropped because analysis was slower than `analyse_fps`.
    public var drops: Int
    /// Sessions opened (1 = connected once and never lost it).
    public var connections: Int
    /// Times the camera was connected again after losing it.
    public var reconnects: Int
    public var lastFrameAt: Date?
    public var lastError: String?
    /// Open camera alerts: `offline`, `frozen`, `obscured`.
    public var alerts: [String]
    /// Decoder is skipping non-reference frames to keep up.
    public var skippingFrames: Bool
}
