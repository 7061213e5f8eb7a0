import Foundation
import Imaging

/// A problem with a camera that someone should see: stored as an alert record
/// and (with the alerts issue) routed to security centres.
public struct CameraAlert: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// No frame for `stall_seconds` (camera down, cable cut, stream stalled).
        case offline = "camera_offline"
        /// The same picture for `frozen_seconds`.
        case frozen = "camera_frozen"
        /// An almost uniform picture for `frozen_seconds` (covered, sprayed, blinded).
        case obscured = "camera_obscured"
    }

    public var kind: Kind
    public var cameraID: String
    public var checkpoint: String
    public var lane: String
    public var at: Date
    /// What was seen, e.g. "no frame for 12 s: cannot reach rtsp://…".
    public var detail: String
}

/// What capture reports upward; the daemon stores and logs it.
public enum CameraEvent: Sendable, Equatable {
    case raised(CameraAlert)
    /// The condition ended (frames again, picture moving).
    case cleared(CameraAlert)
}

/// Receives camera events; implemented by the daemon (store + log) and by tests.
public protocol CameraEventSink: Sendable {
    func handle(_ event: CameraEvent) async
}

/// Receives the sampled frames of one camera (the plate reader, later).
public protocol FrameAnalyser: Sendable {
    func analyse(_ frame: Frame) async
    /// The camera stopped (removed, changed, daemon shutting down): finish what is open.
    func finish() async
}

extension FrameAnalyser {
    public func finish() async {}
}

/// Analysis that does nothing: capture-only deployments and benchmarks.
public struct NoAnalysis: FrameAnalyser {
    public init() {}
    public func analyse(_ frame: Frame) async {}
}
