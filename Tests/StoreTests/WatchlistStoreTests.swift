import Access
import Foundation
import Registry
import Testing
import TestSupport
@testable import Store

/// Watchlist persistence on a real SQLite file: all-or-nothing batches, expiry, soft delete, audit.
struct WatchlistStoreTests {
    let security = Principal(kind: .token, id: "s1", name: "desk-security", role: .security)

    func entry(_ kind: String, _ value: String, until: String? = nil) throws -> NewWatchlistEntry {
        try NewWatchlistEntry(kind: kind, value: value, reason: "test", severity: "warning", validUntil: until)
    }

    @Test func addListExpireAndDeleteAreAuditedAndSurviveReopening() async throws {
        let dir = try TemporaryDirectory()
        var store = try Store(stateDirectory: dir.url)
        let now = Date()
        let added = try await store.addWatchlistEntries([try entry("plate", "粤B·D27584"), try entry("card", "c-9"),
                                                         try entry("plate", "京A5R319", until: "2020-01-01")],
                                                        by: security, at: now)
        #expect(added.map(\.value) == ["粤BD27584", "c-9", "京A5R319"])
        #expect(added.allSatisfy { $0.createdBy == "desk-security" })
        try store.close()
        store = try Store(stateDirectory: dir.url)

        // The expired one is left out unless asked for.
        #expect(try await store.activeWatchlist(at: now).map(\.value) == ["粤BD27584", "c-9"])
        #expect(try await store.watchlistEntries(.init(includeExpired: true), by: security).count == 3)
        #expect(try await store.watchlistEntries(.init(kind: .card), by: security).map(\.value) == ["c-9"])

        try await store.deleteWatchlistEntry(id: added[0].id, by: security)
        #expect(try await store.activeWatchlist(at: now).map(\.value) == ["c-9"])
        await #expect(throws: StoreError.notFound("watchlist entry \(added[0].id)")) {
            try await store.deleteWatchlistEntry(id: added[0].id, by: self.security)
        }
        // Deleted values may be listed again.
        _ = try await store.addWatchlistEntries([try entry("plate", "粤BD27584")], by: security)

        let audit = try await store.auditEntries(.init(action: "watchlist."))
        #expect(Set(audit.map(\.action)) == ["watchlist.add", "watchlist.search", "watchlist.delete"])
        #expect(audit.filter { $0.action == "watchlist.add" }.count == 4)
        try store.close()
    }

    @Test func aBatchWithAValueAlreadyListedStoresNothing() async throws {
        let dir = try TemporaryDirectory()
        let store = try Store(stateDirectory: dir.url)
        _ = try await store.addWatchlistEntries([try entry("plate", "京A5R319")], by: security)
        await #expect(throws: StoreError.self) {
            _ = try await store.addWatchlistEntries([try entry("plate", "沪C8K2Q7"), try entry("plate", "京A5R319")], by: self.security)
        }
        #expect(try await store.activeWatchlist().map(\.value) == ["京A5R319"])
        try store.close()
    }
}
