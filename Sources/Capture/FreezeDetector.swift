/// Notices a camera that still sends frames but no longer shows the scene:
/// the same picture over and over (a frozen encoder, a paused file), or an
/// almost uniform one (a covered or blinded lens).
///
/// Real scenes, even empty ones, change by sensor noise at every key frame,
/// so "the same" means within `sameWithin` grey levels on average.
public struct FreezeDetector: Sendable {
    public enum Condition: Sendable, Equatable {
        case live
        /// The picture has not changed for `seconds`.
        case frozen(seconds: Double)
        /// The picture has had almost no contrast for `seconds`.
        case obscured(seconds: Double)
    }

    public var frozenAfter: Double
    public var sameWithin: Double
    public var uniformBelow: Double
    private var reference: LumaSignature?
    private var sameSince: Double?
    private var uniformSince: Double?

    public init(frozenAfter: Double, sameWithin: Double = 0.5, uniformBelow: Double = 4) {
        self.frozenAfter = frozenAfter
        self.sameWithin = sameWithin
        self.uniformBelow = uniformBelow
    }

    /// Takes the signature of a frame at stream time `time` and says what the camera shows.
    public mutating func observe(_ signature: LumaSignature, at time: Double) -> Condition {
        if signature.contrast < uniformBelow {
            uniformSince = uniformSince ?? time
        } else {
            uniformSince = nil
        }
        if let reference, signature.distance(to: reference) <= sameWithin {
            sameSince = sameSince ?? time
        } else {
            reference = signature
            sameSince = time
        }
        if let since = uniformSince, time - since >= frozenAfter { return .obscured(seconds: time - since) }
        if let since = sameSince, time - since >= frozenAfter { return .frozen(seconds: time - since) }
        return .live
    }

    /// Forget history (after a reconnect the first frames prove nothing).
    public mutating func reset() {
        reference = nil
        sameSince = nil
        uniformSince = nil
    }
}
