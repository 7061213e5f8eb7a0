import Access
import Checkpoint
import Foundation
import HummingbirdTesting
import Imaging
import Registry
import Store
import Testing
import TestSupport
@testable import Server

/// Entry records over the API: filters, paging, the evidence picture, roles, and the live stream.
struct EntryRoutesTests {
    @Test func entriesAreFilteredPagedAndTheirPictureServed() async throws {
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
            let all = try await client.call(.get, "/api/v1/entries?limit=2", token: staff)
            #expect(all.status == .ok)
            let page = try #require(all.json["entries"] as? [[String: Any]])
            #expect(page.map { $0["plate"] as? String } == ["京A5R319", "浙B12345"])
            let next = try #require(all.json["next_before"] as? Int)
            let rest = try await client.call(.get, "/api/v1/entries?limit=2&before=\(next)", token: staff)
            #expect((rest.json["entries"] as? [[String: Any]])?.count == 1)

            let flagged = try await client.call(.get, "/api/v1/entries?verdict=flagged", token: harness.tokens[.security])
            let item = try #require((flagged.json["entries"] as? [[String: Any]])?.first)
            #expect(item["plate"] as? String == "浙B12345")
            #expect((item["reasons"] as? [[String: Any]])?.first?["code"] as? String == "unregistered_closed_hours")
            let snapshot = try #require(item["snapshot"] as? String)
            let jpeg = try await client.call(.get, snapshot, token: staff)
            #expect(jpeg.status == .ok && jpeg.headers[.contentType] == "image/jpeg" && Data(buffer: jpeg.body) == picture)

            let since = try await client.call(.get, "/api/v1/entries?since=2027-01-15T08:00:30Z&plate=%E4%BA%ACA5R319", token: staff)
            #expect((since.json["entries"] as? [[String: Any]])?.count == 1)
            #expect(try await client.call(.get, "/api/v1/entries?verdict=maybe", token: staff).status == .unprocessableContent)
            #expect(try await client.call(.get, "/api/v1/entries", token: harness.tokens[.device]).status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/entries/999/snapshot.jpg", token: staff).status == .notFound)
            #expect(try await harness.store.auditEntries(.init(action: "passage.")).count >= 5)
        }
    }

    static func record(_ store: Store, plate: String, checkpoint: String = "north", key: String) async throws {
        let context = DecisionContext(registrations: [], watchlist: [], policy: CheckpointPolicy(timeZone: TimeZone(identifier: "UTC")!))
        let sighting = VehicleSighting(plate: plate, confidence: 0.9, at: Date(), source: "cam-1", snapshot: nil)
        let record = EntryDecider.decide(Passage(checkpoint: checkpoint, lane: "1", vehicles: [sighting]), context: context)[0]
        _ = try await store.recordPassage(record, sourceKey: key)
    }

    /// The stream sends what is committed after it opens; a client that drops and comes back with
    /// `Last-Event-ID` gets exactly the records it missed; filters apply; bad ids and roles are refused.
    @Test func theStreamFollowsEntriesAndResumesFromLastEventID() async throws {
        let harness = try await APIHarness.make()
        let store = harness.store
        try await Self.record(store, plate: "京A00001", key: "s/1")
        try await harness.run { client in
            let port = try #require(client.port)
            let staff = try #require(harness.tokens[.staff])
            let live = try EventStreamClient(port: port, path: "/api/v1/entries/stream", token: staff)
            #expect(await live.waitForStatus(timeout: .seconds(30)) == 200)
            try await Self.record(store, plate: "京A00002", key: "s/2")
            try await Self.record(store, plate: "京A00003", checkpoint: "south", key: "s/3")
            let first = await live.events(2, timeout: .seconds(30))
            #expect(first.map(\.id) == ["2", "3"], "only what was committed after the stream opened")
            #expect(first.allSatisfy { $0.name == "entry" })
            let entry = try #require(try JSONSerialization.jsonObject(with: Data(first[0].data.utf8)) as? [String: Any])
            #expect(entry["plate"] as? String == "京A00002" && entry["verdict"] as? String == "allowed")

            // The client drops; two records are committed meanwhile; it resumes from the last id it saw.
            let lastSeen = try #require(first.last?.id)
            live.close()
            try await Self.record(store, plate: "京A00004", key: "s/4")
            try await Self.record(store, plate: "京A00005", checkpoint: "south", key: "s/5")
            let resumed = try EventStreamClient(port: port, path: "/api/v1/entries/stream", token: staff, lastEventID: lastSeen)
            // Exactly the missed ones; none comes twice, or the next live one would not be 6.
            let missed = await resumed.events(2, timeout: .seconds(30))
            #expect(missed.map(\.id) == ["4", "5"], "the missed ones (stream ended: \(resumed.ending ?? "no"))")
            try await Self.record(store, plate: "京A00006", key: "s/6")
            #expect(await resumed.events(1, timeout: .seconds(30)).map(\.id) == ["6"], "stream ended: \(resumed.ending ?? "no")")

            // Filters and `after` (a page that has just listed the newest rows).
            let south = try EventStreamClient(port: port, path: "/api/v1/entries/stream?checkpoint=south&after=0", token: staff)
            #expect(await south.events(2, timeout: .seconds(30)).map(\.id) == ["3", "5"])

            let bad = try EventStreamClient(port: port, path: "/api/v1/entries/stream", token: staff, lastEventID: "yesterday")
            #expect(await bad.waitForStatus(timeout: .seconds(30)) == 422)
            let device = try EventStreamClient(port: port, path: "/api/v1/entries/stream", token: harness.tokens[.device])
            #expect(await device.waitForStatus(timeout: .seconds(30)) == 403)
            let anonymous = try EventStreamClient(port: port, path: "/api/v1/entries/stream")
            #expect(await anonymous.waitForStatus(timeout: .seconds(30)) == 401)
        }
        #expect(try await store.auditEntries(.init(action: "passage.stream")).count == 3)
    }
}
