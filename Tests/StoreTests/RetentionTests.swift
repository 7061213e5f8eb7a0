import Access
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
}
