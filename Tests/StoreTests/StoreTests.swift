import Access
import Foundation
import GRDB
import Testing
import TestSupport
@testable import Store

@Suite struct StoreTests {
    let admin = Principal(kind: .cli, id: "tester", name: "cli:tester", role: .admin)

    @Test func migrationsRunOnAnEmptyFileAndAreIdempotentOnReopen() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(stateDirectory: dir.url)
        let first = try await store.appliedMigrations()
        #expect(first == ["v1_tokens_and_audit", "v2_registry", "v3_alerts", "v4_watchlist", "v5_gate_events", "v6_vehicles",
                          "v7_passages", "v8_alerting", "v9_plate_colour"])
        let minted = APIToken.mint()
        _ = try await store.createToken(name: "gate", role: .device, digest: minted.digest, source: .cli, by: admin)
        try store.close()

        let reopened = try Store(stateDirectory: dir.url)
        #expect(try await reopened.appliedMigrations() == first)
        let principal = try await reopened.principal(forDigest: minted.digest)
        #expect(principal?.name == "gate")
        #expect(principal?.role == .device)
        #expect(try await reopened.auditEntries(.init()).map(\.action) == ["token.create"])
        try reopened.close()
    }

    @Test func theFileIsWALWithForeignKeysAndPrivatePermissions() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(stateDirectory: dir.url)
        let (mode, foreignKeys) = try await store.pool.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        #expect(mode == "wal")
        #expect(foreignKeys == 1)
        let attributes = try FileManager.default.attributesOfItem(atPath: store.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        try store.close()
    }

    @Test func theAuditLogRefusesUpdatesAndDeletes() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(stateDirectory: dir.url)
        try await store.audit(AuditEntry(actor: admin, action: "holder.search", target: "x", detail: ["q": "unit 3"]))
        await #expect(throws: (any Error).self) {
            try await store.pool.write { db in try db.execute(sql: "UPDATE audit SET action = 'nothing'") }
        }
        await #expect(throws: (any Error).self) {
            try await store.pool.write { db in try db.execute(sql: "DELETE FROM audit") }
        }
        let entries = try await store.auditEntries(.init())
        #expect(entries.count == 1)
        #expect(entries[0].detail == ["q": "unit 3"])
        #expect(entries[0].actor == admin)
        try store.close()
    }

    @Test func auditQueriesFilterByActionPrefixActorTimeAndPage() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(stateDirectory: dir.url)
        let other = Principal(kind: .token, id: "t2", name: "desk", role: .staff)
        let start = Date()
        for index in 0..<5 {
            try await store.audit(AuditEntry(at: start.addingTimeInterval(Double(index)), actor: index.isMultiple(of: 2) ? admin : other,
                                             action: index < 3 ? "token.list" : "card.scan"))
        }
        #expect(try await store.auditEntries(.init(action: "token.")).count == 3)
        #expect(try await store.auditEntries(.init(action: "token")).count == 0)
        #expect(try await store.auditEntries(.init(actorID: "t2")).count == 2)
        #expect(try await store.auditEntries(.init(since: start.addingTimeInterval(3))).count == 2)
        let page = try await store.auditEntries(.init(limit: 2))
        #expect(page.count == 2)
        let older = try await store.auditEntries(.init(beforeID: page.last!.id, limit: 10))
        #expect(older.count == 3)
        try store.close()
    }

    @Test func revokedAndExpiredTokensNoLongerAuthenticate() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(stateDirectory: dir.url)
        let a = APIToken.mint(), b = APIToken.mint()
        let record = try await store.createToken(name: "a", role: .staff, digest: a.digest, source: .api, by: admin)
        _ = try await store.createToken(name: "b", role: .staff, digest: b.digest, source: .api,
                                        expiresAt: Date().addingTimeInterval(60), by: admin)
        #expect(try await store.principal(forDigest: a.digest) != nil)
        _ = try await store.revokeToken(id: record.id, by: admin)
        #expect(try await store.principal(forDigest: a.digest) == nil)
        #expect(try await store.principal(forDigest: b.digest, at: Date().addingTimeInterval(120)) == nil)
        await #expect(throws: StoreError.notFound("token nope")) { try await store.revokeToken(id: "nope", by: admin) }
        await #expect(throws: StoreError.self) {
            try await store.createToken(name: "dup", role: .staff, digest: b.digest, source: .api, by: admin)
        }
        try store.close()
    }

    @Test func provisionedTokensFollowTheConfig() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(stateDirectory: dir.url)
        let gate = APIToken.mint(), lpr = APIToken.mint()
        var result = try await store.syncProvisionedTokens(
            [.init(name: "gate", role: .device, digest: gate.digest), .init(name: "lpr", role: .device, digest: lpr.digest)],
            by: .system)
        #expect(result.added == 2 && result.revoked == 0)
        result = try await store.syncProvisionedTokens([.init(name: "gate", role: .device, digest: gate.digest)], by: .system)
        #expect(result.added == 0 && result.revoked == 1)
        #expect(try await store.principal(forDigest: lpr.digest) == nil)
        #expect(try await store.principal(forDigest: gate.digest)?.name == "gate")
        #expect(try await store.hasActiveAdmin() == false)
        try store.close()
    }

    @Test func aStateDirectoryThatCannotBeCreatedIsAClearError() throws {
        #expect(throws: StoreError.self) {
            _ = try Store(stateDirectory: URL(fileURLWithPath: "/proc/checkpointd-cannot-exist"))
        }
    }
}

/// Camera alerts: one open alert per camera and kind, cleared when the condition ends.
struct CameraAlertStoreTests {
    @Test func anOpenCameraAlertIsNotDuplicatedAndClearingClosesIt() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(stateDirectory: dir.url)
        let alert = NewAlert(kind: "camera_offline", severity: .warning, raisedAt: Date(), checkpoint: "main",
                             lane: "1", cameraID: "north", message: "no frame for 10 s")
        let first = try await store.raiseCameraAlert(alert)
        let again = try await store.raiseCameraAlert(alert)
        #expect(first.id == again.id)
        #expect(try await store.alerts().count == 1)

        try await store.clearCameraAlert(cameraID: "north", kind: "camera_offline", at: Date())
        #expect(try await store.alerts().first?.clearedAt != nil)
        // The camera drops again within the de-duplication window: the same alert, reopened, counted twice.
        let soon = try await store.raiseCameraAlert(alert)
        #expect(soon.id == first.id && soon.repeats == 2 && soon.clearedAt == nil)
        try await store.clearCameraAlert(cameraID: "north", kind: "camera_offline", at: Date())
        // After the window, a new outage is a new alert.
        var afterWindow = alert
        afterWindow.raisedAt = Date().addingTimeInterval(601)
        let later = try await store.raiseCameraAlert(afterWindow)
        #expect(later.id != first.id, "a new outage is a new alert")

        _ = try await store.raiseCameraAlert(NewAlert(kind: "camera_frozen", severity: .warning, raisedAt: Date(),
                                                      cameraID: "gone", message: "frozen"))
        try await store.clearCameraAlerts(exceptCameras: ["north"], at: Date())
        let open = try await store.alerts().filter { $0.clearedAt == nil }.map(\.cameraID)
        #expect(open == ["north"])
    }
}
