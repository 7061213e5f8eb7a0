import Access
import Foundation
import HummingbirdTesting
import Testing
@testable import Server

/// The watchlist API on a real server on loopback with a real SQLite file.
struct WatchlistRoutesTests {
    @Test func securityAddsListsExportsAndDeletesEntriesOthersMayNot() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let security = harness.tokens[.security]
            let created = try await client.call(.post, "/api/v1/watchlists/entries", token: security, body: """
                {"kind":"plate","value":"粤B·D27584","reason":"stolen","severity":"critical","valid_until":"2099-01-01"}
                """)
            #expect(created.status == .created)
            #expect(created.json["value"] as? String == "粤BD27584")
            #expect(created.json["created_by"] as? String != nil)
            let id = try #require(created.json["id"] as? String)

            // The same value twice is a conflict; a bad field says which and why.
            let again = try await client.call(.post, "/api/v1/watchlists/entries", token: harness.tokens[.admin], body: """
                {"kind":"plate","value":"粤BD27584","reason":"again","severity":"info"}
                """)
            #expect(again.status == .conflict && again.hasErrorShape)
            let bad = try await client.call(.post, "/api/v1/watchlists/entries", token: security, body: """
                {"kind":"plate","value":"粤BD27584","reason":"x","severity":"urgent"}
                """)
            #expect(bad.status == .unprocessableContent && bad.text.contains("severity must be"))

            for role in [Role.staff, .auditor, .device] {
                let denied = try await client.call(.get, "/api/v1/watchlists/entries", token: harness.tokens[role])
                #expect(denied.status == .forbidden, "\(role)")
            }
            #expect(try await client.call(.get, "/api/v1/watchlists/entries").status == .unauthorized)

            let plate = try #require("粤BD27584".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed))
            let list = try await client.call(.get, "/api/v1/watchlists/entries?kind=plate&value=\(plate)", token: security)
            #expect((list.json["entries"] as? [[String: Any]])?.count == 1)
            let csv = try await client.call(.get, "/api/v1/watchlists/export.csv", token: security)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.text.hasPrefix("kind,value,reason,severity,valid_until\r\nplate,粤BD27584,stolen,critical,2099-01-02"))

            #expect(try await client.call(.delete, "/api/v1/watchlists/entries/\(id)", token: security).status == .noContent)
            #expect(try await client.call(.delete, "/api/v1/watchlists/entries/\(id)", token: security).status == .notFound)
            let actions = try await harness.store.auditEntries(.init(action: "watchlist.")).map(\.action)
            #expect(actions.contains("watchlist.add") && actions.contains("watchlist.search") && actions.contains("watchlist.delete"))
        }
    }

    @Test func aCSVImportIsAllOrNothingAndNamesEveryBadLine() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let admin = harness.tokens[.admin]
            let broken = "kind,value,reason,severity,valid_until\nplate,京A5R319,ok,info,\nplate,??,bad,info,\ncard,c-1,ok,loud,\n"
            let refused = try await client.call(.post, "/api/v1/watchlists/import", token: admin, body: broken, contentType: "text/csv")
            #expect(refused.status == .unprocessableContent && refused.errorCode == "rejected_lines")
            let lines = try #require(refused.json["rejected"] as? [[String: Any]])
            #expect(lines.map { $0["line"] as? Int } == [3, 4])
            #expect(try await harness.store.activeWatchlist().isEmpty)

            let good = "kind,value,reason,severity,valid_until\nplate,京A5R319,ok,info,\ncard,c-1,lost,warning,2099-12-31\n"
            let imported = try await client.call(.post, "/api/v1/watchlists/import", token: admin, body: good, contentType: "text/csv")
            #expect(imported.status == .created && imported.json["imported"] as? Int == 2)
            let json = try await client.call(.post, "/api/v1/watchlists/import", token: admin, body: "{}")
            #expect(json.status == .unsupportedMediaType)
        }
    }
}
