import Imaging
import Synchronization

/// A small queue between a camera's decoder and its analysis: when analysis is
/// slower than `analyse_fps`, the oldest frame is dropped (and counted), so
/// memory stays bounded and analysis always works on recent pictures.
final class FrameMailbox: Sendable {
    private struct State {
        var frames: [Frame] = []
        var waiter: CheckedContinuation<Frame?, Never>?
        var closed = false
        var dropped = 0
    }
    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Hands a frame over; returns the number of frames dropped so far.
    @discardableResult
    func push(_ frame: Frame) -> Int {
        let (waiter, dropped): (CheckedContinuation<Frame?, Never>?, Int) = state.withLock { state in
            guard !state.closed else { return (nil, state.dropped) }
            if let waiter = state.waiter {
                state.waiter = nil
                return (waiter, state.dropped)
            }
            if state.frames.count >= capacity {
                state.frames.removeFirst()
                state.dropped += 1
            }
            state.frames.append(frame)
            return (nil, state.dropped)
        }
        waiter?.resume(returning: frame)
        return dropped
    }

    /// The next frame, or nil once closed.
    func next() async -> Frame? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready: Frame?? = state.withLock { state in
                    if !state.frames.isEmpty { return .some(state.frames.removeFirst()) }
                    if state.closed { return .some(nil) }
                    state.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            close()
        }
    }

    /// Wakes a waiting reader with nil; later pushes are ignored.
    func close() {
        let waiter = state.withLock { state in
            state.closed = true
            state.frames.removeAll()
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    var dropped: Int { state.withLock { $0.dropped } }
    var depth: Int { state.withLock { $0.frames.count } }
}
