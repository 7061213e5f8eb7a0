import Foundation
import Imaging
import Synchronization

/// The live counters of one camera, written by its decoder thread and its
/// tasks, read by the API. All behind one lock; every update is a few stores.
final class CameraHealth: Sendable {
    struct Counters {
        var state: CameraState = .connecting
        var stateSince = Date()
        var info: StreamInfo?
        var framesDecoded = 0
        var framesAnalysed = 0
        var connections = 0
        var lastFrameAt: Date?
        var lastFrameInstant: UInt64?
        var lastError: String?
        var condition: FreezeDetector.Condition = .live
        var openAlerts: [CameraAlert.Kind: CameraAlert] = [:]
        var fpsIn = 0.0
        var fpsAnalysed = 0.0
        var skipping = false
        var latest: Frame?
        // For rates.
        var rateInstant: UInt64 = InterruptGuard.now()
        var rateDecoded = 0
        var rateAnalysed = 0
    }

    let counters = Mutex(Counters())

    /// Changes state; returns the previous one.
    @discardableResult
    func set(_ state: CameraState, error: String? = nil) -> CameraState {
        counters.withLock { c in
            let previous = c.state
            if previous != state {
                c.state = state
                c.stateSince = Date()
            }
            if let error { c.lastError = error }
            return previous
        }
    }

    func opened(_ info: StreamInfo) {
        counters.withLock { c in
            c.info = info
            c.connections += 1
        }
    }

    /// A frame was decoded (returns whether this was the first of the session's streaming state).
    func decoded(skipping: Bool) {
        let now = Date(), instant = InterruptGuard.now()
        counters.withLock { c in
            c.framesDecoded += 1
            c.lastFrameAt = now
            c.lastFrameInstant = instant
            c.skipping = skipping
            if c.state != .streaming {
                c.state = .streaming
                c.stateSince = now
            }
        }
    }

    func sampled(_ frame: Frame, condition: FreezeDetector.Condition) {
        counters.withLock { c in
            c.latest = frame
            c.condition = condition
        }
    }

    func analysed() {
        counters.withLock { $0.framesAnalysed += 1 }
    }

    /// Updates the per-second rates (called about once a second).
    func updateRates() {
        let now = InterruptGuard.now()
        counters.withLock { c in
            let seconds = Double(now - c.rateInstant) / 1e9
            guard seconds >= 0.5 else { return }
            c.fpsIn = Double(c.framesDecoded - c.rateDecoded) / seconds
            c.fpsAnalysed = Double(c.framesAnalysed - c.rateAnalysed) / seconds
            c.rateInstant = now
            c.rateDecoded = c.framesDecoded
            c.rateAnalysed = c.framesAnalysed
        }
    }

    /// Seconds since the last decoded frame (or since `start` when none came yet).
    func secondsWithoutFrame(since start: UInt64) -> Double {
        let now = InterruptGuard.now()
        let last = counters.withLock { $0.lastFrameInstant } ?? start
        return Double(now - min(now, max(last, start))) / 1e9
    }

    var latest: Frame? { counters.withLock { $0.latest } }
    var snapshot: Counters { counters.withLock { $0 } }
}
