import Access
import Foundation
import GRDB
import Registry

/// What a watchlist listing looks for.
public struct WatchlistQuery: Sendable, Equatable {
    public var kind: WatchlistEntry.Kind?
    /// Exact canonical value.
    public var value: String?
    public var includeExpired: Bool
    public var limit: Int

    public init(kind: WatchlistEntry.Kind? = nil, value: String? = nil, includeExpired: Bool = false, limit: Int = 500) {
        self.kind = kind
        self.value = value
        self.includeExpired = includeExpired
        self.limit = limit
    }
}

extension Store {
    /// Adds entries in one transaction: all or none (a value already listed refuses the whole batch).
    public func addWatchlistEntries(_ entries: [NewWatchlistEntry], by actor: Principal, at time: Date = Date(),
                                    requestID: String? = nil) async throws(StoreError) -> [WatchlistEntry] {
        try await write { db in
            var added: [WatchlistEntry] = []
            for new in entries {
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM watchlist_entry WHERE kind = ? AND value = ? AND deleted_at IS NULL",
                                     arguments: [new.kind.rawValue, new.value]) == true {
                    throw StoreError.conflict("\(new.kind.rawValue) \(new.value) is already on the watchlist")
                }
                let entry = WatchlistEntry(id: UUID().uuidString.lowercased(), kind: new.kind, value: new.value, reason: new.reason,
                                           severity: new.severity, validUntil: new.validUntil, createdBy: actor.name, createdAt: time)
                try db.execute(sql: """
                    INSERT INTO watchlist_entry (id, kind, value, reason, severity, valid_until, created_by, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [entry.id, entry.kind.rawValue, entry.value, entry.reason, entry.severity.rawValue,
                                     entry.validUntil, entry.createdBy, entry.createdAt])
                try AuditLog.append(AuditEntry(actor: actor, action: "watchlist.add", target: entry.id,
                                               detail: ["kind": entry.kind.rawValue, "severity": entry.severity.rawValue],
                                               requestID: requestID), in: db)
                added.append(entry)
            }
            return added
        }
    }

    /// Lists entries; the look-up and its terms are audited.
    public func watchlistEntries(_ query: WatchlistQuery, by actor: Principal, at time: Date = Date(),
                                 requestID: String? = nil) async throws(StoreError) -> [WatchlistEntry] {
        try await write { db in
            var detail: [String: String] = [:]
            if let kind = query.kind { detail["kind"] = kind.rawValue }
            if let value = query.value { detail["value"] = value }
            try AuditLog.append(AuditEntry(actor: actor, action: "watchlist.search", detail: detail, requestID: requestID), in: db)
            return try Self.watchlistRows(query, at: time, db)
        }
    }

    /// The entries in force now, for matching (the daemon's own use; hits are audited where they are recorded).
    public func activeWatchlist(at time: Date = Date()) async throws(StoreError) -> [WatchlistEntry] {
        try await read { db in try Self.watchlistRows(WatchlistQuery(limit: 1_000_000), at: time, db) }
    }

    /// Takes an entry off the list (kept, marked deleted, so alerts it raised still explain themselves).
    public func deleteWatchlistEntry(id: String, by actor: Principal, at time: Date = Date(),
                                     requestID: String? = nil) async throws(StoreError) {
        try await write { db in
            try db.execute(sql: "UPDATE watchlist_entry SET deleted_at = ?, deleted_by = ? WHERE id = ? AND deleted_at IS NULL",
                           arguments: [time, actor.name, id])
            guard db.changesCount == 1 else { throw StoreError.notFound("watchlist entry \(id)") }
            try AuditLog.append(AuditEntry(actor: actor, action: "watchlist.delete", target: id, requestID: requestID), in: db)
        }
    }

    static func watchlistRows(_ query: WatchlistQuery, at time: Date, _ db: Database) throws -> [WatchlistEntry] {
        var clauses = ["deleted_at IS NULL"]
        var arguments: StatementArguments = []
        if let kind = query.kind { clauses.append("kind = ?"); arguments += [kind.rawValue] }
        if let value = query.value { clauses.append("value = ?"); arguments += [value] }
        if !query.includeExpired { clauses.append("(valid_until IS NULL OR valid_until > ?)"); arguments += [time] }
        arguments += [query.limit]
        return try Row.fetchAll(db, sql: """
            SELECT * FROM watchlist_entry WHERE \(clauses.joined(separator: " AND ")) ORDER BY created_at, rowid LIMIT ?
            """, arguments: arguments).map { row in
            WatchlistEntry(id: row["id"], kind: WatchlistEntry.Kind(rawValue: row["kind"]) ?? .plate, value: row["value"],
                           reason: row["reason"], severity: Severity(rawValue: row["severity"]) ?? .warning,
                           validUntil: row["valid_until"], createdBy: row["created_by"], createdAt: row["created_at"])
        }
    }
}
