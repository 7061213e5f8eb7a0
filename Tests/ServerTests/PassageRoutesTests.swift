import Access
import Checkpoint
import Foundation
import HummingbirdTesting
import Imaging
import Registry
import Testing
@testable import Server

/// Passages over the API: filters, paging, the evidence picture, roles.
struct PassageRoutesTests {
    @Test func passagesAreFilteredPagedAndTheirPictureServed() async throws {
        let harness = try await APIHarness.make()
        let picture = Data(try JPEGEncoder().encode(YCbCrImage(grey: Plane(width: 32, height: 16, filledWith: 90))))
        let saved = try harness.store.snapshots.save(picture)
        let context = DecisionContext(registrations: [VehicleRegistration(plate: "京A5R319", owner: "holder of 3-2-401")],
                                      watchlist: [], policy: CheckpointPolicy(timeZone: TimeZone(identifier: "UTC")!,
                                                                              openHours: AllowedHours(start: 0, end: 60)))
        let start = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15 08:00 UTC: outside 00:00–01:00
        for (index, plate) in ["京A5R319", "浙B12345", "京A5R319"].enumerated() {
            let sighting = VehicleSighting(plate: plate, confidence: 0.9, at: start.addingTimeInterval(Double(index) * 60), source: "cam-1",
                                           snapshot: .init(path: saved.path, sha256: saved.sha256))
            let record = EntryDecider.decide(Passage(checkpoint: "north", lane: "1", vehicles: [sighting]), context: context)[0]
            _ = try await harness.store.recordPassage(record, sourceKey: "t/\(index)")
        }
        try await harness.run { client in
            let staff = harness.tokens[.staff]
            let all = try await client.call(.get, "/api/v1/passages?limit=2", token: staff)
            #expect(all.status == .ok)
            let page = try #require(all.json["passages"] as? [[String: Any]])
            #expect(page.map { $0["plate"] as? String } == ["京A5R319", "浙B12345"])
            let next = try #require(all.json["next_before"] as? Int)
            let rest = try await client.call(.get, "/api/v1/passages?limit=2&before=\(next)", token: staff)
            #expect((rest.json["passages"] as? [[String: Any]])?.count == 1)

            let flagged = try await client.call(.get, "/api/v1/passages?verdict=flagged", token: harness.tokens[.security])
            let item = try #require((flagged.json["passages"] as? [[String: Any]])?.first)
            #expect(item["plate"] as? String == "浙B12345")
            #expect((item["reasons"] as? [[String: Any]])?.first?["code"] as? String == "unregistered_closed_hours")
            let snapshot = try #require(item["snapshot"] as? String)
            let jpeg = try await client.call(.get, snapshot, token: staff)
            #expect(jpeg.status == .ok && jpeg.headers[.contentType] == "image/jpeg" && Data(buffer: jpeg.body) == picture)

            let since = try await client.call(.get, "/api/v1/passages?since=2027-01-15T08:00:30Z&plate=%E4%BA%ACA5R319", token: staff)
            #expect((since.json["passages"] as? [[String: Any]])?.count == 1)
            #expect(try await client.call(.get, "/api/v1/passages?verdict=maybe", token: staff).status == .unprocessableContent)
            #expect(try await client.call(.get, "/api/v1/passages", token: harness.tokens[.device]).status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/passages/999/snapshot.jpg", token: staff).status == .notFound)
            #expect(try await harness.store.auditEntries(.init(action: "passage.")).count >= 5)
        }
    }
}
