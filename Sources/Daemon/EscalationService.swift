import Foundation
import Logging
import ServiceLifecycle
import Store

/// Escalates alerts nobody has acknowledged in time (`alerts.escalate_after_minutes`): every few seconds the
/// store raises the due ones a severity step and announces them again.
struct EscalationService: Service {
    let store: Store
    let logger: Logger
    var interval: Duration = .seconds(10)

    func run() async throws {
        while !Task.isCancelled {
            do {
                for alert in try await store.escalateDueAlerts() {
                    logger.notice("alert escalated", metadata: ["alert": "\(alert.id)", "kind": "\(alert.kind)",
                                                                "severity": "\(alert.severity.rawValue)", "level": "\(alert.escalations)"])
                }
            } catch {
                logger.error("escalation pass failed: \(error)")
            }
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } } catch { return }
        }
    }
}
