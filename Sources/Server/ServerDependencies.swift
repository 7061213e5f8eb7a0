import Access
import Capture
import Cards
import Foundation
import Prometheus
import Store

/// What the daemon reports about itself on `/healthz`.
public struct HealthReport: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case ok, degraded, failing }

    public var status: Status
    public var version: String
    public var community: String
    public var uptimeSeconds: Int
    public var database: Component
    public var services: [String: Component]

    public struct Component: Sendable, Codable, Equatable {
        public var status: Status
        public var detail: String?

        public init(status: Status, detail: String? = nil) {
            self.status = status
            self.detail = detail
        }
    }

    public init(status: Status, version: String, community: String, uptimeSeconds: Int,
                database: Component, services: [String: Component]) {
        self.status = status
        self.version = version
        self.community = community
        self.uptimeSeconds = uptimeSeconds
        self.database = database
        self.services = services
    }
}

/// Produces the health report; the daemon knows its services, the server does not.
public protocol HealthSource: Sendable {
    func health() async -> HealthReport
}

/// Outcome of a configuration reload, as shown to the admin who asked for it.
public struct ReloadOutcome: Sendable, Codable, Equatable {
    public var applied: Bool
    public var message: String

    public init(applied: Bool, message: String) {
        self.applied = applied
        self.message = message
    }
}

/// Re-reads configuration on request (SIGHUP does the same).
public protocol ConfigReloading: Sendable {
    func reload(requestedBy: Principal) async -> ReloadOutcome
}

/// Takes a plate read that a camera pushed (a stored `plate_read` event) to the checkpoint's decisions.
public protocol SightingSink: Sendable {
    func plateRead(_ event: GateEventRecord) async throws
}

/// Everything the HTTP layer needs, handed in by the daemon (or a test).
public struct ServerDependencies: Sendable {
    public var store: Store
    public var cards: CardOffice
    public var metrics: PrometheusCollectorRegistry
    public var health: any HealthSource
    public var reloader: (any ConfigReloading)?
    /// Largest accepted request body.
    public var maxBodyBytes: Int
    /// How long a staff page sign-in lasts.
    public var sessionLifetime: Duration
    /// Camera health and latest pictures (nil when the daemon runs without capture).
    public var cameras: (any CameraMonitor)?
    /// JPEG quality of `/cameras/{id}/snapshot.jpg`.
    public var snapshotQuality: Int
    /// Where plates pushed by LPR cameras go to become passages (nil: stored as events only).
    public var sightings: (any SightingSink)?

    public init(store: Store, cards: CardOffice, metrics: PrometheusCollectorRegistry, health: any HealthSource,
                reloader: (any ConfigReloading)? = nil, maxBodyBytes: Int = 1 << 20,
                sessionLifetime: Duration = .seconds(12 * 3600), cameras: (any CameraMonitor)? = nil,
                snapshotQuality: Int = 85, sightings: (any SightingSink)? = nil) {
        self.cameras = cameras
        self.sightings = sightings
        self.snapshotQuality = snapshotQuality
        self.sessionLifetime = sessionLifetime
        self.store = store
        self.cards = cards
        self.metrics = metrics
        self.health = health
        self.reloader = reloader
        self.maxBodyBytes = maxBodyBytes
    }

    var metricsFactory: PrometheusMetricsFactory { PrometheusMetricsFactory(registry: metrics) }

    /// Checks the caller's role for `action`; a refusal is audited and answered with 403.
    func authorize(_ context: APIRequestContext, _ roles: Set<Role>, action: String) async throws -> Principal {
        guard let principal = context.principal else {
            throw APIError.unauthorized("send a bearer token: Authorization: Bearer cpd_…")
        }
        guard principal.isAllowed(roles) else {
            let allowed = roles.map(\.rawValue).sorted().joined(separator: ", ")
            try? await store.audit(AuditEntry(
                actor: principal, action: "auth.forbidden", target: action, outcome: .denied,
                detail: ["allowed_roles": allowed], requestID: context.id))
            throw APIError.forbidden("the \(principal.role.rawValue) role may not \(action); this needs: \(allowed)")
        }
        return principal
    }
}
