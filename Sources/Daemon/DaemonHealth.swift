import Capture
import Foundation
import Server
import Store

/// Builds `/healthz`: the database must answer within a second, and each service says how it is.
struct DaemonHealth: HealthSource {
    let store: Store
    let configuration: LiveConfiguration
    let notifier: SystemdNotifier
    let cameras: CameraSupervisor
    let startedAt: ContinuousClock.Instant
    let version: String

    func health() async -> HealthReport {
        let config = await configuration.current
        let database: HealthReport.Component
        do {
            let migrations = try await withTimeout(.seconds(1)) { try await store.appliedMigrations() }
            database = .init(status: .ok, detail: "schema \(migrations.last ?? "empty")")
        } catch {
            database = .init(status: .failing, detail: "\(error)")
        }
        var services: [String: HealthReport.Component] = [
            "http": .init(status: .ok, detail: "listening on \(config.listen.address)"),
            "systemd": .init(status: .ok, detail: notifier.isEnabled
                ? (notifier.watchdogInterval.map { "notify + watchdog \($0)" } ?? "notify") : "not under systemd"),
        ]
        services["cameras"] = Self.cameras(cameras.statuses())
        let uptime = ContinuousClock.now - startedAt
        return HealthReport(
            status: database.status == .ok ? .ok : .failing, version: version, community: config.community.name,
            uptimeSeconds: Int(uptime.components.seconds), database: database, services: services)
    }
}

extension DaemonHealth {
    /// Cameras are "degraded" (not "failing") when some are down: the daemon still
    /// serves scans and alerts, and systemd must not restart it for a dead camera.
    static func cameras(_ statuses: [CameraStatus]) -> HealthReport.Component {
        let enabled = statuses.filter { $0.state != .disabled }
        let streaming = enabled.filter { $0.state == .streaming }.count
        var detail = "\(streaming) of \(enabled.count) cameras streaming"
        let down = enabled.filter { $0.state != .streaming && $0.state != .connecting }
        if !down.isEmpty {
            detail += "; " + down.map { "\($0.id) \($0.state.rawValue)" }.joined(separator: ", ")
        }
        return .init(status: down.isEmpty ? .ok : .degraded, detail: detail)
    }
}

struct TimeoutError: Error, CustomStringConvertible {
    var description: String { "timed out" }
}

/// Runs `body`, failing with `TimeoutError` if it takes longer than `limit`.
func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimeoutError()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
