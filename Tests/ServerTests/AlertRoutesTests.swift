import Access
import Alerting
import Checkpoint
import Foundation
import HummingbirdTesting
import Registry
import Store
import Testing
import TestSupport
@testable import Server

/// Alert records over the API: a watchlist hit from a passage and a camera condition, filters, roles, the stream.
struct AlertRoutesTests {
    static func watchlistHit(_ store: Store, plate: String, key: String) async throws {
        let entry = WatchlistEntry(id: "w-\(key)", kind: .plate, value: plate, reason: "stolen", severity: .critical, createdBy: "s",
                                   createdAt: Date())
        let context = DecisionContext(registrations: [], watchlist: [entry], policy: CheckpointPolicy(timeZone: TimeZone(identifier: "UTC")!))
        let sighting = VehicleSighting(plate: plate, confidence: 0.95, at: Date(), source: "cam-1",
                                       snapshot: .init(path: "snapshots/ab/abc.jpg", sha256: "abc"))
        let record = EntryDecider.decide(Passage(checkpoint: "north", lane: "1", vehicles: [sighting]), context: context)[0]
        _ = try await store.recordPassage(record, sourceKey: key)
    }

    @Test func alertsAreListedFilteredAndFollowedBySecurityOnly() async throws {
        let harness = try await APIHarness.make()
        let store = harness.store
        try await Self.watchlistHit(store, plate: "粤BD27584", key: "a/1")
        _ = try await store.raiseCameraAlert(NewAlert(kind: "camera_offline", severity: .warning, raisedAt: Date(), cameraID: "cam-2",
                                                      message: "cam-2 is offline"))
        try await harness.run { client in
            let security = harness.tokens[.security]
            let all = try await client.call(.get, "/api/v1/alerts", token: security)
            #expect(all.status == .ok)
            let items = try #require(all.json["alerts"] as? [[String: Any]])
            #expect(items.map { $0["kind"] as? String } == ["camera_offline", "watchlist_hit"])
            let hit = items[1]
            #expect(hit["severity"] as? String == "critical" && hit["entry_id"] as? Int == 1)
            #expect(hit["snapshot"] as? String == "/api/v1/entries/1/snapshot.jpg")
            #expect((hit["evidence"] as? [String: String])?["matched"] == "exact")
            #expect((hit["evidence"] as? [String: String])?["snapshot"] == nil, "no file paths of the server")

            let critical = try await client.call(.get, "/api/v1/alerts?severity=critical&checkpoint=north", token: security)
            #expect((critical.json["alerts"] as? [[String: Any]])?.count == 1)
            let open = try await client.call(.get, "/api/v1/alerts?camera=cam-2&open=true&limit=1", token: security)
            #expect((open.json["alerts"] as? [[String: Any]])?.count == 1 && open.json["next_before"] as? Int == 2)
            #expect(try await client.call(.get, "/api/v1/alerts?severity=loud", token: security).status == .unprocessableContent)
            #expect(try await client.call(.get, "/api/v1/alerts?open=maybe", token: security).status == .unprocessableContent)
            #expect(try await client.call(.get, "/api/v1/alerts", token: harness.tokens[.staff]).status == .forbidden)

            // Live: a new hit arrives on an open stream with its id.
            let port = try #require(client.port)
            let stream = try EventStreamClient(port: port, path: "/api/v1/alerts/stream", token: security)
            #expect(await stream.waitForStatus(timeout: .seconds(30)) == 200)
            try await Self.watchlistHit(store, plate: "京A00001", key: "a/2")
            // The log so far: hit raised (1), its case opened by the default rules (2), camera alert raised (3).
            let events = await stream.events(2, timeout: .seconds(30))
            #expect(events.map(\.id) == ["4", "5"] && events.allSatisfy { $0.name == "alert" })
            let raised = try #require(try JSONSerialization.jsonObject(with: Data(events[0].data.utf8)) as? [String: Any])
            #expect(raised["event"] as? String == "raised" && raised["announce"] as? Bool == true)
            #expect(((raised["alert"] as? [String: Any])?["message"] as? String ?? "").hasPrefix("京A00001 is on the watchlist (stolen)"))
            #expect(events[1].data.contains(#""event":"case_opened""#))
        }
        #expect(try await store.auditEntries(.init(action: "alert.")).count >= 4)
    }

    /// The security page's stream: a client that drops and reconnects with `Last-Event-ID` gets exactly the
    /// alert log entries it missed — new alerts and acknowledgements alike — and then the live ones.
    @Test func aReconnectingClientGetsExactlyTheMissedAlertEvents() async throws {
        let harness = try await APIHarness.make()
        let store = harness.store
        store.configureAlerting(AlertingSetup(rules: AlertRules(rules: [], timeZone: TimeZone(identifier: "UTC")!), community: "t"))
        try await harness.run { client in
            let port = try #require(client.port)
            let security = try #require(harness.tokens[.security])
            let live = try EventStreamClient(port: port, path: "/api/v1/alerts/stream", token: security)
            #expect(await live.waitForStatus(timeout: .seconds(30)) == 200)
            try await Self.watchlistHit(store, plate: "京A00001", key: "r/1")
            let first = await live.events(1, timeout: .seconds(30))
            #expect(first.map(\.id) == ["1"], "stream ended: \(live.ending ?? "no")")
            live.close()

            // Missed while away: a second alert and the acknowledgement of the first.
            try await Self.watchlistHit(store, plate: "京A00002", key: "r/2")
            _ = try await store.acknowledgeAlert(1, by: .system, note: "seen")
            let back = try EventStreamClient(port: port, path: "/api/v1/alerts/stream", token: security, lastEventID: "1")
            // Exactly the missed entries; none comes twice, or the next live one would not be 4.
            let missed = await back.events(2, timeout: .seconds(30))
            #expect(missed.map(\.id) == ["2", "3"], "the missed entries (stream ended: \(back.ending ?? "no"))")
            #expect(missed.map { $0.data.contains(#""event":"raised""#) } == [true, false])
            #expect(missed.last?.data.contains(#""event":"acknowledged""#) == true)
            try await Self.watchlistHit(store, plate: "京A00003", key: "r/3")
            #expect(await back.events(1, timeout: .seconds(30)).map(\.id) == ["4"], "stream ended: \(back.ending ?? "no")")
        }
    }
}
