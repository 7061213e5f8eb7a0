import Logging
import ServiceLifecycle
import Store

/// Keeps systemd informed while the daemon runs: `WATCHDOG=1` at half the
/// watchdog interval while the database answers, `STOPPING=1` when a graceful
/// shutdown begins. A wedged database stops the pings, so systemd restarts us.
struct SystemdService: Service {
    let notifier: SystemdNotifier
    let store: Store
    let logger: Logger

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Returns when graceful shutdown starts; throws if the group is cancelled instead.
                try? await gracefulShutdown()
            }
            if let interval = notifier.watchdogInterval {
                group.addTask { await pingWatchdog(every: interval / 2) }
            }
            await group.next()
            group.cancelAll()
        }
        notifier.notify(["STOPPING=1", "STATUS=shutting down"])
        logger.notice("shutting down: finishing in-flight requests")
    }

    private func pingWatchdog(every period: Duration) async {
        var wasHealthy = true
        while !Task.isCancelled {
            let healthy: Bool
            do {
                try await store.ping()
                healthy = true
            } catch {
                healthy = false
                if wasHealthy { logger.error("database check failed; withholding watchdog ping", metadata: ["error": "\(error)"]) }
            }
            if healthy { notifier.notify(["WATCHDOG=1"]) }
            wasHealthy = healthy
            try? await Task.sleep(for: period)
        }
    }
}
