import Access
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport
@testable import Server
@testable import Store

/// The card registry over the real API and a real SQLite file.
@Suite struct CardFlowTests {
    func issueCard(_ client: any TestClientProtocol, _ harness: APIHarness, extra: String = "",
                   unit: String = #"{"building":"7","entrance":"2","room":"301"}"#) async throws -> (id: String, token: String) {
        let holder = try await client.call(.post, "/api/v1/holders", token: harness.tokens[.staff],
                                           body: #"{"name":"Li Wei","unit":\#(unit),"plates":["闽E·12345"]}"#)
        #expect(holder.status == .created)
        let holderID = try #require(holder.json["id"] as? String)
        let card = try await client.call(.post, "/api/v1/cards", token: harness.tokens[.staff], body: """
            {"holder_id":"\(holderID)","category":"resident","valid_until":"2030-01-01T00:00:00Z"\(extra)}
            """)
        #expect(card.status == .created, "\(card.text)")
        return (try #require(card.json["id"] as? String), try #require(card.json["token"] as? String))
    }

    func scan(_ client: any TestClientProtocol, _ harness: APIHarness, _ token: String, direction: String = "in",
              eventID: String? = nil, role: Role = .device) async throws -> TestResponse {
        let event = eventID.map { #","event_id":"\#($0)""# } ?? ""
        return try await client.call(.post, "/api/v1/scans", token: harness.tokens[role], body: """
            {"checkpoint":"main-gate","lane":"1","direction":"\(direction)","token":"\(token)"\(event)}
            """)
    }

    func verdict(_ response: TestResponse) -> (String?, String?) {
        (response.json["verdict"] as? String, (response.json["reason"] as? [String: Any])?["code"] as? String)
    }

    @Test func issueScanRevokeAndTheRevocationList() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let card = try await issueCard(client, harness)
            let first = try await scan(client, harness, card.token)
            #expect(first.status == .created)
            #expect(verdict(first) == ("allow", "ok"))
            let holder = (first.json["card"] as? [String: Any])?["holder"] as? [String: Any]
            #expect(holder?["name"] as? String == "Li Wei")
            #expect(holder?["unit"] as? String == "Bldg 7, Ent 2, Rm 301")
            #expect(first.json["entry_id"] as? Int != nil)

            let revoked = try await client.call(.post, "/api/v1/cards/\(card.id)/revoke", token: harness.tokens[.staff],
                                                body: #"{"reason":"moved out"}"#)
            #expect(revoked.json["status"] as? String == "revoked")
            let after = try await scan(client, harness, card.token, direction: "out")
            #expect(verdict(after) == ("deny", "revoked"))

            let list = try await client.call(.get, "/api/v1/revocations", token: harness.tokens[.device])
            let ids = (list.json["revoked"] as? [[String: Any]] ?? []).compactMap { $0["card_id"] as? String }
            #expect(ids == [card.id])
            let later = try await client.call(.get, "/api/v1/revocations?since=2999-01-01T00:00:00Z", token: harness.tokens[.device])
            #expect((later.json["revoked"] as? [Any])?.isEmpty == true)
        }
        try harness.store.close()
    }

    @Test func renewingInvalidatesTheOldToken() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let card = try await issueCard(client, harness)
            let renewed = try await client.call(.post, "/api/v1/cards/\(card.id)/renew", token: harness.tokens[.staff],
                                                body: #"{"valid_until":"2031-06-30T00:00:00Z"}"#)
            #expect(renewed.status == .ok)
            let newToken = try #require(renewed.json["token"] as? String)
            #expect(newToken != card.token)
            #expect(renewed.json["id"] as? String == card.id)
            #expect(verdict(try await scan(client, harness, card.token)) == ("deny", "superseded"))
            #expect(verdict(try await scan(client, harness, newToken)) == ("allow", "ok"))
            let list = try await client.call(.get, "/api/v1/revocations", token: harness.tokens[.device])
            let renewedList = list.json["renewed"] as? [[String: Any]] ?? []
            #expect(renewedList.first?["card_id"] as? String == card.id)
            #expect(renewedList.first?["generation"] as? Int == 2)
        }
        try harness.store.close()
    }

    @Test func aResentEventIsRecordedOnce() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let card = try await issueCard(client, harness)
            let first = try await scan(client, harness, card.token, eventID: "reader-7-000123")
            let again = try await scan(client, harness, card.token, eventID: "reader-7-000123")
            #expect(first.status == .created)
            #expect(again.status == .ok)
            #expect(again.json["replayed"] as? Bool == true)
            #expect(again.json["entry_id"] as? Int == first.json["entry_id"] as? Int)
            #expect(verdict(again) == ("allow", "ok"))
        }
        let entries = try await harness.store.entries(checkpoint: "main-gate", lane: "1", limit: 50, by: .system)
        #expect(entries.count == 1)
        try harness.store.close()
    }

    @Test func concurrentScansNeverDoubleCountAQuota() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            // One household, two cards, one exit per two days between them.
            let unit = #"{"building":"9","room":"101"}"#
            let quota = #","quota":{"count":1,"days":2,"direction":"out"}"#
            let a = try await issueCard(client, harness, extra: quota, unit: unit)
            let b = try await issueCard(client, harness, extra: quota, unit: unit)
            let results = try await withThrowingTaskGroup(of: String?.self) { group in
                for index in 0..<16 {
                    group.addTask {
                        let response = try await self.scan(client, harness, index.isMultiple(of: 2) ? a.token : b.token,
                                                           direction: "out", eventID: "burst-\(index)")
                        return response.json["verdict"] as? String
                    }
                }
                var verdicts: [String?] = []
                for try await verdict in group { verdicts.append(verdict) }
                return verdicts
            }
            #expect(results.filter { $0 == "allow" }.count == 1, "\(results)")
            #expect(results.filter { $0 == "deny" }.count == 15)
        }
        try harness.store.close()
    }

    @Test func cardsAndHoldersAreAuditedAndGuardedByRole() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let card = try await issueCard(client, harness)
            let search = try await client.call(.get, "/api/v1/holders?plate=闽E12345".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!,
                                               token: harness.tokens[.staff])
            #expect((search.json["holders"] as? [Any])?.count == 1)
            #expect(try await client.call(.get, "/api/v1/cards/\(card.id)", token: harness.tokens[.security]).status == .forbidden)
            #expect(try await client.call(.post, "/api/v1/cards", token: harness.tokens[.device], body: "{}").status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/cards/\(card.id)/qr.png", token: harness.tokens[.staff]).status == .ok)
            let svg = try await client.call(.get, "/api/v1/cards/\(card.id)/qr.svg", token: harness.tokens[.staff])
            #expect(svg.text.hasPrefix("<svg"))
            #expect(try await client.call(.get, "/api/v1/cards/0000000000000000", token: harness.tokens[.staff]).status == .notFound)
            let bad = try await client.call(.post, "/api/v1/scans", token: harness.tokens[.device],
                                            body: #"{"checkpoint":"main-gate","direction":"sideways","token":"x"}"#)
            #expect(bad.status == .unprocessableContent)
        }
        let actions = Set(try await harness.store.auditEntries(.init(limit: 1000)).map(\.action))
        #expect(actions.isSuperset(of: ["holder.create", "card.issue", "holder.search", "card.read", "auth.forbidden"]))
        try harness.store.close()
    }

    @Test func keysCanBeRotatedAndRetired() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let old = try await issueCard(client, harness)
            let rotated = try await client.call(.post, "/api/v1/keys/rotate", token: harness.tokens[.admin])
            #expect(rotated.json["active_key_id"] as? Int == 2)
            let new = try await issueCard(client, harness)
            #expect(verdict(try await scan(client, harness, old.token)) == ("allow", "ok"))
            let retire = try await client.call(.post, "/api/v1/keys/1/retire", token: harness.tokens[.admin])
            #expect(retire.status == .ok)
            #expect(verdict(try await scan(client, harness, old.token, direction: "out")) == ("deny", "unknown_key"))
            #expect(verdict(try await scan(client, harness, new.token)) == ("allow", "ok"))
            let keys = try await client.call(.get, "/api/v1/keys", token: harness.tokens[.device])
            #expect((keys.json["keys"] as? [[String: Any]])?.count == 2)
        }
        try harness.store.close()
    }
}
