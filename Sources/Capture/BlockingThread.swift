import Foundation

/// Runs blocking C work (libav reads, socket waits) and long CPU work (reading a
/// frame's plates, tens of milliseconds) on a thread of its own, so it never occupies
/// one of Swift's few cooperative threads (two on a two-core server), which the HTTP
/// API and the database also need.
public enum BlockingThread {
    public static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = name
            thread.start()
        }
    }
}
