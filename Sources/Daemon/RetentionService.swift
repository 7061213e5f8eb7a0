import Foundation
import Logging
import ServiceLifecycle
import Store

/// Applies the retention period (`retention.days`) inside the daemon: at start, then hourly, settled alerts
/// (with their cases), passages no open alert needs, gate events and their pictures older than the period go.
struct RetentionService: Service {
    let store: Store
    let days: @Sendable () async -> Int
    let logger: Logger
    var interval: Duration = .seconds(3600)

    func run() async throws {
        while !Task.isCancelled {
            let cutoff = Date().addingTimeInterval(-Double(await days()) * 86_400)
            do {
                let result = try await store.purgeExpired(before: cutoff)
                if result.passages + result.gateEvents + result.alerts > 0 {
                    logger.notice("retention", metadata: ["passages": "\(result.passages)", "gate_events": "\(result.gateEvents)",
                                                          "alerts": "\(result.alerts)",
                                                          "snapshots": "\(result.snapshots)"])
                }
            } catch {
                logger.error("retention pass failed: \(error)")
            }
            // Sleeping ends early (throws) on graceful shutdown.
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } } catch { return }
        }
    }
}
