import Synchronization

/// Wakes live readers (the server-sent event streams) when a record they may show has been committed.
///
/// It carries only *what kind* of record changed, never the record: a woken reader reads the database
/// from its last seen id, so the database stays the one source of truth, a reader that falls behind
/// loses nothing, and a reconnecting one resumes from its `Last-Event-ID` with the same query.
public final class StoreChanges: Sendable {
    public enum Topic: Sendable, Hashable { case passage, alert, outbox }

    private struct State {
        var next = 0
        var subscribers: [Int: (topic: Topic, continuation: AsyncStream<Void>.Continuation)] = [:]
        var finished = false
    }
    private let state = Mutex(State())

    public init() {}

    /// A stream that yields after each commit of `topic`. Wakes coalesce (a slow reader gets one wake for
    /// many commits, which is enough since it re-reads from its last id); it ends at `finish()`.
    public func subscribe(_ topic: Topic) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id: Int? = state.withLock { state in
            guard !state.finished else { return nil }
            state.next += 1
            state.subscribers[state.next] = (topic, continuation)
            return state.next
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Called after a transaction that added or changed records of `topic` has committed.
    public func committed(_ topic: Topic) {
        let waiting = state.withLock { state in state.subscribers.values.filter { $0.topic == topic }.map(\.continuation) }
        for continuation in waiting { continuation.yield() }
    }

    /// Ends every stream (the daemon is stopping); later subscriptions end at once.
    public func finish() {
        let all = state.withLock { state in
            state.finished = true
            defer { state.subscribers = [:] }
            return state.subscribers.values.map(\.continuation)
        }
        for continuation in all { continuation.finish() }
    }

    /// How many streams are open (for metrics and tests).
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }
}
