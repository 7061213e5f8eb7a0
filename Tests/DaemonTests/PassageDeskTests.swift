import Access
import Checkpoint
import Foundation
import Logging
import Registry
import Store
import Testing
import TestSupport
@testable import Daemon

/// The desk on a real SQLite file: gate events and lists from the store, one passage per vehicle.
struct PassageDeskTests {
    static let device = Principal(kind: .token, id: "d", name: "barrier", role: .device)

    static func sighting(_ plate: String, _ at: Date) -> VehicleSighting {
        VehicleSighting(plate: plate, confidence: 0.9, at: at, source: "cam-1")
    }

    @Test func gateEventsAndListsFromTheStoreDecideEachVehicle() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(stateDirectory: dir.url)
        let now = Date()
        _ = try await store.addWatchlistEntries([try NewWatchlistEntry(kind: "plate", value: "粤BD27584", reason: "stolen",
                                                                       severity: "critical", validUntil: nil)],
                                                by: Principal(kind: .cli, id: "a", name: "cli:a", role: .admin))
        _ = try await store.registerVehicle(plate: "沪C8K2Q7", description: "laundry van", validFrom: nil, validUntil: nil,
                                            by: Principal(kind: .cli, id: "a", name: "cli:a", role: .admin))
        _ = try await store.recordGateEvent(NewGateEvent(deviceID: "barrier-1", eventID: "1", kind: "gate_opened", checkpoint: "north",
                                                         lane: "1", at: now.addingTimeInterval(-3)), by: Self.device)
        let desk = PassageDesk(store: store, policy: CheckpointPolicy(timeZone: TimeZone(identifier: "Asia/Shanghai")!),
                               logger: Logger(label: "test"))

        let van = try await desk.vehicle(Self.sighting("沪C8K2Q7", now), checkpoint: "north", lane: "1", direction: .in, sourceKey: "a")
        #expect(van.verdict == .allowed && van.registeredAs == "laundry van")
        // A second vehicle through the same opening: tailgating, and it is on the watchlist.
        let second = try await desk.vehicle(Self.sighting("粤BD27584", now.addingTimeInterval(4)), checkpoint: "north", lane: "1",
                                            direction: .in, sourceKey: "b")
        #expect(second.verdict == .alert)
        #expect(Set(second.reasons.map(\.code)) == ["watchlist_hit", "unregistered_vehicle", "tailgating"])
        #expect(Set(try await store.alerts().map(\.kind)) == ["watchlist_hit", "tailgating"])
        // The same track again (a retry) records nothing new.
        _ = try await desk.vehicle(Self.sighting("粤BD27584", now.addingTimeInterval(4)), checkpoint: "north", lane: "1",
                                   direction: .in, sourceKey: "b")
        #expect(try await store.alerts().count == 2)
        // Another lane knows nothing of this lane's opening.
        let other = try await desk.vehicle(Self.sighting("浙B12345", now), checkpoint: "north", lane: "2", direction: .in, sourceKey: "c")
        #expect(other.reasons.map(\.code) == ["unregistered_vehicle"])
        try store.close()
    }

    @Test func aPlatePushedByACameraBecomesAPassage() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(stateDirectory: dir.url)
        let desk = PassageDesk(store: store, policy: CheckpointPolicy(timeZone: TimeZone(identifier: "UTC")!), logger: Logger(label: "t"))
        let stored = try await store.recordGateEvent(NewGateEvent(
            deviceID: "isapi-cam", eventID: "42", kind: "plate_read", checkpoint: "north", lane: "2", at: Date(),
            detail: ["plate": "浙B12345", "confidence": "0.97", "direction": "out", "plate_colour": "Blue"], snapshotPath: "snapshots/aa/x.jpg",
            snapshotSHA256: "x"), by: Self.device)
        try await PushedPlates(desk: desk, logger: Logger(label: "t")).plateRead(stored.event)
        let passage = try #require(try await store.passages(.init(), by: Self.device).first)
        #expect(passage.plate == "浙B12345" && passage.plateSource == "isapi-cam" && passage.direction == "out")
        #expect(passage.plateConfidence == 0.97 && passage.snapshotPath == "snapshots/aa/x.jpg")
        #expect(passage.plateColour == "blue")  // as the camera named it
        try store.close()
    }
}
