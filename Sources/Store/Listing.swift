import Access
import Foundation
import GRDB

/// The shared shape of the searchable tables' listings (passages, alerts): filters, paging by id either way,
/// and the audit line of a person's look-up (none for a live stream that was audited when it opened).
struct Listing {
    private var clauses: [String] = []
    private var arguments: StatementArguments = []
    /// The search terms worth recording in the audit line.
    var detail: [String: String] = [:]

    /// Adds `clause` (one `?`) when `value` is given; `audit` names it in the audit line.
    mutating func add(_ clause: String, _ value: (any DatabaseValueConvertible & Sendable)?, audit: String? = nil) {
        guard let value else { return }
        clauses.append(clause)
        arguments += [value]
        if let audit { detail[audit] = "\(value)" }
    }

    mutating func add(_ clause: String) { clauses.append(clause) }

    /// Newest first below `before`, or oldest first above `after`, at most `limit` (1…500) rows.
    func fetch<T: Sendable>(from table: String, before: Int64?, after: Int64?, limit: Int, store: Store, actor: Principal?,
                            action: String, requestID: String?, _ make: @escaping @Sendable (Row) -> T) async throws(StoreError) -> [T] {
        var listing = self
        listing.add("id < ?", before)
        listing.add("id > ?", after)
        let filter = listing.clauses.isEmpty ? "" : "WHERE " + listing.clauses.joined(separator: " AND ")
        let sql = "SELECT * FROM \(table) \(filter) ORDER BY id \(after == nil ? "DESC" : "ASC") LIMIT ?"
        let arguments = listing.arguments + [max(1, min(limit, 500))]
        let select = { @Sendable (db: Database) throws -> [T] in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(make)
        }
        guard let actor else { return try await store.read(select) }
        let audit = AuditEntry(actor: actor, action: action, detail: detail, requestID: requestID)
        return try await store.write { db in
            try AuditLog.append(audit, in: db)
            return try select(db)
        }
    }
}
