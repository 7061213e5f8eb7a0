import Access
import Alerting
import Checkpoint
import Foundation
import Registry
import Testing
import TestSupport
@testable import Store

/// Alert routing, cases and the outbox on a real SQLite file.
struct AlertingStoreTests {
    static let zone = TimeZone(identifier: "UTC")!
    static let guardOnDuty = Principal(kind: .session, id: "u1", name: "Li Wei", role: .security)

    static func store(rules: AlertRules = AlertRules(timeZone: zone), targets: [CaseTarget] = [.init(name: "grid", kind: .open311),
                                                                                               .init(name: "ops", kind: .webhook)])
        throws -> (TemporaryDirectory, Store) {
        let dir = try TemporaryDirectory()
        let store = try Store(stateDirectory: dir.url)
        store.configureAlerting(AlertingSetup(rules: rules, targets: targets, community: "test"))
        return (dir, store)
    }

    static func hit(_ store: Store, plate: String = "粤BD27584", severity: Severity = .critical, at: Date, key: String) async throws
        -> (passage: StoredPassage, alerts: [AlertRecord], duplicate: Bool) {
        let entry = WatchlistEntry(id: "w1", kind: .plate, value: plate, reason: "stolen", severity: severity, createdBy: "s", createdAt: at)
        let context = DecisionContext(registrations: [], watchlist: [entry], policy: CheckpointPolicy(timeZone: zone))
        let sighting = VehicleSighting(plate: plate, confidence: 0.95, at: at, source: "cam-1", snapshot: nil)
        let record = EntryDecider.decide(Passage(checkpoint: "north", lane: "1", vehicles: [sighting]), context: context)[0]
        return try await store.recordPassage(record, sourceKey: key)
    }

    @Test func aCriticalHitOpensACaseWithItsOutboxRowsInOneGoAndRepeatsAreCounted() async throws {
        let (dir, store) = try Self.store()
        defer { withExtendedLifetime(dir) {} }
        let t0 = Date()
        let first = try await Self.hit(store, at: t0, key: "k1")
        let alert = try #require(first.alerts.first)
        #expect(alert.action == .openCase && alert.caseID != nil && alert.repeats == 1)
        let deliveries = try await store.outbox()
        #expect(deliveries.map(\.target).sorted() == ["grid", "ops"])
        #expect(deliveries.allSatisfy { $0.event == "case.opened" && $0.state == .pending && $0.caseID == alert.caseID })
        #expect(Set(deliveries.map(\.idempotencyKey)).count == 2)
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(deliveries[0].payload.utf8)) as? [String: Any])
        #expect((payload["alert"] as? [String: Any])?["plate"] as? String == "粤BD27584")

        // The same plate again 5 minutes later: one alert, counted twice, no second case.
        let again = try await Self.hit(store, at: t0.addingTimeInterval(300), key: "k2")
        #expect(again.alerts.first?.id == alert.id && again.alerts.first?.repeats == 2)
        #expect(try await store.outbox().count == 2)
        // 11 minutes after the last: a new alert.
        let later = try await Self.hit(store, at: t0.addingTimeInterval(960), key: "k3")
        #expect(later.alerts.first?.id != alert.id)
        let log = try await store.alertEvents(after: 0, filter: AlertQuery(), limit: 50).map(\.kind)
        #expect(log == ["raised", "case_opened", "repeated", "raised", "case_opened"])
    }

    @Test func acknowledgingMovesTheCaseAndTransitionsFollowTheStateMachine() async throws {
        let (dir, store) = try Self.store(targets: [.init(name: "grid", kind: .open311), .init(name: "ops", kind: .webhook)])
        defer { withExtendedLifetime(dir) {} }
        let alert = try #require(try await Self.hit(store, at: Date(), key: "k1").alerts.first)
        let caseID = try #require(alert.caseID)
        let acked = try await store.acknowledgeAlert(alert.id, by: Self.guardOnDuty, note: "patrol sent")
        #expect(acked.acknowledgedBy == "Li Wei" && acked.acknowledgementNote == "patrol sent")
        // Twice is once.
        #expect(try await store.acknowledgeAlert(alert.id, by: Self.guardOnDuty, note: "again").acknowledgementNote == "patrol sent")
        var record = try #require(try await store.caseRecord(caseID, by: Self.guardOnDuty))
        #expect(record.state == .acknowledged && record.acknowledgedAt != nil)
        #expect(record.transitions.map(\.to) == [.new, .acknowledged] && record.transitions[1].actor == "Li Wei")

        await #expect(throws: CaseError.notAllowed(from: .acknowledged, to: .closed)) {
            try await store.transitionCase(caseID, to: .closed, by: Self.guardOnDuty, note: "skip")
        }
        record = try await store.transitionCase(caseID, to: .dispatched, by: Self.guardOnDuty, note: "car 3 on its way")
        record = try await store.transitionCase(caseID, to: .resolved, by: Self.guardOnDuty, note: "vehicle stopped")
        record = try await store.transitionCase(caseID, to: .closed, by: Self.guardOnDuty, note: "handed to police")
        #expect(record.state == .closed && record.closedAt != nil)
        // Open311 gets the opening only; the webhook every change.
        let events = try await store.outbox().map { "\($0.target):\($0.event)" }.sorted()
        #expect(events == ["grid:case.opened", "ops:case.opened"] + Array(repeating: "ops:case.transition", count: 4))
        let figures = try await store.caseFigures(since: Date().addingTimeInterval(-60), until: Date().addingTimeInterval(60))
        #expect(figures[0].opened == 1 && figures[0].closed == 1 && figures[0].closureRate == 1 && figures[0].open == 0)
        #expect(figures.map(\.checkpoint) == [nil, "north"])
        #expect(try await store.auditEntries(.init(action: "case.")).count >= 3)
    }

    @Test func unacknowledgedAlertsEscalateOnTheInjectedClock() async throws {
        var rules = AlertRules(rules: [], timeZone: Self.zone, escalateAfter: 300, maxEscalations: 2)
        rules.rules = [.init(minSeverity: .critical, action: .openCase)]
        let (dir, store) = try Self.store(rules: rules, targets: [])
        defer { withExtendedLifetime(dir) {} }
        let t0 = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded())  // the database keeps milliseconds
        let alert = try #require(try await Self.hit(store, severity: .warning, at: t0, key: "k1").alerts.first)
        #expect(alert.severity == .warning && alert.caseID == nil)
        #expect(try await store.escalateDueAlerts(now: t0.addingTimeInterval(299)).isEmpty)
        let escalated = try await store.escalateDueAlerts(now: t0.addingTimeInterval(300))
        #expect(escalated.map(\.severity) == [.critical] && escalated.first?.escalations == 1)
        #expect(escalated.first?.caseID != nil, "now critical: the rules open a case")
        #expect(try await store.escalateDueAlerts(now: t0.addingTimeInterval(400)).isEmpty)
        _ = try await store.acknowledgeAlert(alert.id, by: Self.guardOnDuty, note: "seen")
        #expect(try await store.escalateDueAlerts(now: t0.addingTimeInterval(9999)).isEmpty, "acknowledged: no more")
        let log = try await store.alertEvents(after: 0, filter: AlertQuery(), limit: 50)
        #expect(log.map(\.kind) == ["raised", "escalated", "case_opened", "acknowledged"])
        #expect(log[1].announce, "an escalation is announced again")
    }

    @Test func quietHoursStoreButDoNotAnnounce() async throws {
        let rules = AlertRules(rules: [], quietHours: ["*": AllowedHours(start: 0, end: 1439)], timeZone: Self.zone)
        let (dir, store) = try Self.store(rules: rules, targets: [])
        defer { withExtendedLifetime(dir) {} }
        let now = Date()
        let warning = try #require(try await Self.hit(store, severity: .warning, at: now, key: "k1").alerts.first)
        let critical = try #require(try await Self.hit(store, plate: "京A00001", severity: .critical, at: now, key: "k2").alerts.first)
        #expect(!warning.announced && critical.announced)
        #expect(try await store.alertEvents(after: 0, filter: AlertQuery(), limit: 10).map(\.announce) == [false, true])
    }

    @Test func aFailedDeliveryCanBeRetriedByAnAdmin() async throws {
        let (dir, store) = try Self.store(targets: [.init(name: "ops", kind: .webhook)])
        defer { withExtendedLifetime(dir) {} }
        _ = try await Self.hit(store, at: Date(), key: "k1")
        let item = try #require(try await store.outbox().first)
        await #expect(throws: StoreError.self) { try await store.retryDelivery(item.id, by: .system) }
        try await store.recordDelivery(item.id, .failed(status: 400, error: "HTTP 400: unknown service"))
        #expect(try await store.outbox(state: .failed).first?.lastError == "HTTP 400: unknown service")
        let retried = try await store.retryDelivery(item.id, by: .system)
        #expect(retried.state == .pending && retried.idempotencyKey == item.idempotencyKey)
        #expect(try await store.dueDeliveries().map(\.id) == [item.id])
    }
}
