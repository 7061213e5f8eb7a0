import Access
import Logging
import ServiceLifecycle
import UnixSignals

/// Turns SIGHUP into a configuration reload, for as long as the daemon runs.
struct ReloadService: Service {
    let reloader: LiveConfiguration

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            _ = await reloader.reload(requestedBy: .system)
        }
    }
}
