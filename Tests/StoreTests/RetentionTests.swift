import Access
import Alerting
import Checkpoint
import Foundation
import Registry
import Testing
import TestSupport
@testable import Store

/// Retention on a real SQLite file and real snapshot files.
struct RetentionTests {
    @Test func oldPassagesWithoutAlertsEventsAndTheirPicturesGoTheRestStays() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(stateDirectory: dir.url)
        let now = Date()
        let old = now.addingTimeInterval(-40 * 86_400)
        let oldPicture = try store.snapshots.save(Data("old".utf8))
        let sharedPicture = try store.snapshots.save(Data("shared".utf8))
        let watch = WatchlistEntry(id: "w", kind: .plate, value: "粤BD27584", reason: "stolen", severity: .critical, createdBy: "s",
                                   createdAt: old)
        func record(_ plate: String, _ at: Date, _ picture: (path: String, sha256: String)) -> Checkpoint.EntryRecord {
            let context = DecisionContext(registrations: [], watchlist: [watch], policy: CheckpointPolicy(timeZone: TimeZone(identifier: "UTC")!))
            let sighting = VehicleSighting(plate: plate, confidence: 0.9, at: at, source: "cam",
                                           snapshot: .init(path: picture.path, sha256: picture.sha256))
            return EntryDecider.decide(Passage(checkpoint: "n", lane: "1", vehicles: [sighting]), context: context)[0]
        }
        _ = try await store.recordPassage(record("浙B12345", old, oldPicture), sourceKey: "a")          // old, no alert: goes
        _ = try await store.recordPassage(record("粤BD27584", old, sharedPicture), sourceKey: "b")      // old, alert: stays
        _ = try await store.recordPassage(record("浙B12345", now, sharedPicture), sourceKey: "c")      // recent: stays
        let device = Principal(kind: .token, id: "d", name: "d", role: .device)
        _ = try await store.recordGateEvent(NewGateEvent(deviceID: "g", eventID: "1", kind: "gate_opened", checkpoint: "n", lane: "1",
                                                         at: old), by: device)
        _ = try await store.recordGateEvent(NewGateEvent(deviceID: "g", eventID: "2", kind: "gate_opened", checkpoint: "n", lane: "1",
                                                         at: now), by: device)

        let result = try await store.purgeExpired(before: now.addingTimeInterval(-30 * 86_400))
        #expect(result == PurgeResult(passages: 1, gateEvents: 1, snapshots: 1))
        let left = try await store.passages(.init(), by: device)
        #expect(left.map(\.plate) == ["浙B12345", "粤BD27584"])
        #expect(store.snapshots.load(oldPicture.path) == nil && store.snapshots.load(sharedPicture.path) != nil)
        #expect(try await store.gateEvents(checkpoint: "n", lane: "1", from: .distantPast, to: .distantFuture).map(\.eventID) == ["2"])
        #expect(try await store.auditEntries(.init(action: "retention.")).first?.detail["passages"] == "1")
        // Nothing more to do: a second pass removes nothing.
        #expect(try await store.purgeExpired(before: now.addingTimeInterval(-30 * 86_400)) == PurgeResult(passages: 0, gateEvents: 0, snapshots: 0))
        try store.close()
    }

    /// Alerts go once settled and old: acknowledged (or ended), their case closed or rejected and every delivery
    /// done. An alert nobody handled, an open case or a failed delivery keeps its alert and its passage.
    @Test func settledOldAlertsGoWithTheirCasesAndPassagesTheRestStays() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(stateDirectory: dir.url)
        store.configureAlerting(AlertingSetup(rules: AlertRules(timeZone: TimeZone(identifier: "UTC")!),
                                              targets: [.init(name: "ops", kind: .webhook)], community: "t"))
        let now = Date()
        let old = now.addingTimeInterval(-40 * 86_400)
        func hit(_ plate: String, _ key: String) async throws -> AlertRecord {
            let watch = WatchlistEntry(id: "w-\(key)", kind: .plate, value: plate, reason: "stolen", severity: .critical, createdBy: "s",
                                       createdAt: old)
            let context = DecisionContext(registrations: [], watchlist: [watch], policy: CheckpointPolicy(timeZone: TimeZone(identifier: "UTC")!))
            let sighting = VehicleSighting(plate: plate, confidence: 0.9, at: old, source: "cam", snapshot: nil)
            let record = EntryDecider.decide(Passage(checkpoint: "n", lane: key, vehicles: [sighting]), context: context)[0]
            return try #require(try await store.recordPassage(record, sourceKey: key).alerts.first)
        }
        let officer = Principal(kind: .session, id: "u", name: "Li", role: .security)
        // Settled: acknowledged, case closed, deliveries done.
        let settled = try await hit("京A00001", "1")
        _ = try await store.acknowledgeAlert(settled.id, by: officer, note: "ok", at: old)
        for state in [CaseState.dispatched, .resolved, .closed] {
            _ = try await store.transitionCase(try #require(settled.caseID), to: state, by: officer, note: "x", at: old)
        }
        for item in try await store.outbox() where item.caseID == settled.caseID {
            try await store.recordDelivery(item.id, .delivered(status: 202, externalRef: nil, externalToken: nil))
        }
        // Not settled: never acknowledged; acknowledged but the case still open; closed but a delivery failed.
        _ = try await hit("京A00002", "2")
        let open = try await hit("京A00003", "3")
        _ = try await store.acknowledgeAlert(open.id, by: officer, note: "ok", at: old)
        let failed = try await hit("京A00004", "4")
        _ = try await store.acknowledgeAlert(failed.id, by: officer, note: "ok", at: old)
        _ = try await store.transitionCase(try #require(failed.caseID), to: .rejected, by: officer, note: "false alarm", at: old)
        let firstDelivery = try #require(try await store.outbox().last { $0.caseID == failed.caseID })
        try await store.recordDelivery(firstDelivery.id, .failed(status: 400, error: "no"))

        let result = try await store.purgeExpired(before: now.addingTimeInterval(-30 * 86_400))
        #expect(result.alerts == 1 && result.passages == 1)
        #expect(try await store.alerts(AlertQuery(), by: nil).map(\.id).sorted() == [2, 3, 4])
        #expect(try await store.passages(.init(), by: nil).compactMap(\.plate).sorted() == ["京A00002", "京A00003", "京A00004"])
        #expect(try await store.caseRecord(try #require(settled.caseID), by: officer) == nil)
        #expect(try await store.outbox().allSatisfy { $0.caseID != settled.caseID })
        #expect(try await store.alertEvents(after: 0, filter: AlertQuery(), limit: 100).allSatisfy { $0.alert.id != settled.id })
        #expect(try await store.auditEntries(.init(action: "retention.")).first?.detail["alerts"] == "1")
        try store.close()
    }
}
