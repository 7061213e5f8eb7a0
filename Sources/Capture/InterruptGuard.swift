import Foundation
import Synchronization

/// Lets libavformat's blocking calls be abandoned: a deadline for the current
/// operation and a stop flag, read by the interrupt callback libav polls while
/// it waits on a socket. A dead camera therefore never holds a thread forever.
final class InterruptGuard: Sendable {
    private let cancelled = Atomic<Bool>(false)
    private let deadlineNanos = Atomic<UInt64>(.max)

    func cancel() { cancelled.store(true, ordering: .relaxed) }
    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Allows the next blocking step `seconds` before it is interrupted.
    func arm(seconds: Double) {
        deadlineNanos.store(Self.now() &+ UInt64(max(0, seconds) * 1e9), ordering: .relaxed)
    }

    var hasTimedOut: Bool { Self.now() > deadlineNanos.load(ordering: .relaxed) }
    var shouldInterrupt: Bool { isCancelled || hasTimedOut }

    /// Sleeps up to `seconds` in short steps, returning early (false) when cancelled.
    func sleep(seconds: Double) -> Bool {
        var left = seconds
        while left > 0 {
            if isCancelled { return false }
            let step = min(left, 0.02)
            usleep(UInt32(step * 1e6))
            left -= step
        }
        return !isCancelled
    }

    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// The C callback libav calls; `opaque` is an unretained pointer to a guard
    /// that outlives the format context.
    static let callback: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { opaque in
        guard let opaque else { return 0 }
        return Unmanaged<InterruptGuard>.fromOpaque(opaque).takeUnretainedValue().shouldInterrupt ? 1 : 0
    }
}
