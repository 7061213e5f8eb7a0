import Foundation

/// Runs blocking C work (libav reads, socket waits) on a thread of its own so
/// it never occupies one of Swift's few cooperative threads.
enum BlockingThread {
    static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = name
            thread.start()
        }
    }
}
