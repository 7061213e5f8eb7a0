import Access
import Checkpoint
import Foundation
import Plates
import Registry
import Testing
import TestSupport
@testable import Store

/// Passages and the alerts they raise, on a real SQLite file.
struct PassageStoreTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!

    static func decide(_ plate: String, at: Date, watchlist: [WatchlistEntry] = [], colour: PlateKind? = nil) -> Checkpoint.EntryRecord {
        let context = DecisionContext(registrations: [VehicleRegistration(plate: "京A5R319", owner: "holder of 3-2-401", holderID: "h1")],
                                      watchlist: watchlist, policy: CheckpointPolicy(timeZone: zone))
        let passage = Passage(checkpoint: "north", lane: "1", direction: .in, vehicles: [
            VehicleSighting(plate: plate, confidence: 0.91, alternatives: ["\(plate.dropLast())8"], at: at, source: "cam-1",
                            snapshot: .init(path: "snapshots/ab/abc.jpg", sha256: "abc"), colour: colour),
        ])
        return EntryDecider.decide(passage, context: context)[0]
    }

    @Test func aPassageWithAHitIsStoredWithItsAlertOnceAndCanBeFound() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(stateDirectory: dir.url)
        let now = Date()
        let entry = WatchlistEntry(id: "w1", kind: .plate, value: "粤BD27584", reason: "stolen", severity: .critical, createdBy: "s",
                                   createdAt: now)
        let hit = Self.decide("粤BD27584", at: now, watchlist: [entry], colour: .green)
        let first = try await store.recordPassage(hit, sourceKey: "cam-1/track-1")
        #expect(!first.duplicate && first.passage.verdict == .alert && first.passage.plate == "粤BD27584")
        #expect(first.alerts.map(\.kind) == ["watchlist_hit"])
        #expect(first.alerts[0].severity == .critical && first.alerts[0].passageID == first.passage.id)
        #expect(first.alerts[0].evidence["matched"] == "exact" && first.alerts[0].evidence["snapshot"] == "snapshots/ab/abc.jpg")
        #expect(first.alerts[0].evidence["plate_colour"] == "green")  // a new-energy car: what the guard looks for
        // A retry of the same track records nothing new.
        let again = try await store.recordPassage(hit, sourceKey: "cam-1/track-1")
        #expect(again.duplicate && again.alerts.isEmpty && again.passage.id == first.passage.id)
        #expect(try await store.alerts().count == 1)
        #expect(try await store.auditEntries(.init(action: "watchlist.hit")).count == 1)

        let registered = try await store.recordPassage(Self.decide("京A5R319", at: now.addingTimeInterval(10), colour: .blue),
                                                       sourceKey: "cam-1/track-2")
        #expect(registered.passage.verdict == .allowed && registered.passage.registeredAs == "holder of 3-2-401")
        #expect(registered.passage.holderID == "h1" && registered.alerts.isEmpty)
        #expect(registered.passage.reasons.map(\.code) == ["registered_vehicle"])
        #expect(registered.passage.plateAlternatives == ["京A5R318"])
        #expect(registered.passage.plateColour == "blue" && first.passage.plateColour == "green")

        let security = Principal(kind: .token, id: "s", name: "desk", role: .security)
        #expect(try await store.passages(.init(), by: security).map(\.plate) == ["京A5R319", "粤BD27584"])
        #expect(try await store.passages(.init(verdict: .alert), by: security).count == 1)
        #expect(try await store.passages(.init(plate: "京A5R319"), by: security).count == 1)
        #expect(try await store.passages(.init(since: now.addingTimeInterval(5)), by: security).count == 1)
        #expect(try await store.passages(.init(beforeID: registered.passage.id), by: security).map(\.id) == [first.passage.id])
        #expect(try await store.auditEntries(.init(action: "passage.search")).count == 5)
        try store.close()
    }

    /// A plate whose colour nobody could tell (a Latin plate, a frame without colour) is stored without one.
    @Test func aPlateOfNoToldColourIsStoredWithoutOne() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(stateDirectory: dir.url)
        let stored = try await store.recordPassage(Self.decide("京A5R319", at: Date()), sourceKey: "cam-1/track-1")
        #expect(stored.passage.plateColour == nil)
        try store.close()
    }
}
