import Access
import Foundation
import GRDB

/// Writes and reads the audit table. Other stores call `append(_:in:)` inside
/// their own write transaction, so an action and its audit line commit together.
enum AuditLog {
    static func append(_ entry: AuditEntry, in db: Database) throws {
        let detail: String?
        if entry.detail.isEmpty {
            detail = nil
        } else {
            let data = try JSONEncoder.sorted.encode(entry.detail)
            detail = String(decoding: data, as: UTF8.self)
        }
        try db.execute(
            sql: """
                INSERT INTO audit (at, actor_kind, actor_id, actor_name, actor_role, action, target, outcome, detail, request_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                entry.at, entry.actor.kind.rawValue, entry.actor.id, entry.actor.name, entry.actor.role.rawValue,
                entry.action, entry.target, entry.outcome.rawValue, detail, entry.requestID,
            ])
    }

    static func fetch(_ query: AuditQuery, in db: Database) throws -> [AuditEntry] {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let since = query.since { clauses.append("at >= ?"); arguments += [since] }
        if let until = query.until { clauses.append("at < ?"); arguments += [until] }
        if let actor = query.actorID { clauses.append("actor_id = ?"); arguments += [actor] }
        if let action = query.action {
            if action.hasSuffix(".") {
                clauses.append("substr(action, 1, ?) = ?"); arguments += [action.count, action]
            } else {
                clauses.append("action = ?"); arguments += [action]
            }
        }
        if let before = query.beforeID { clauses.append("id < ?"); arguments += [before] }
        let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        arguments += [max(1, min(query.limit, 1000))]
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM audit \(whereSQL) ORDER BY id DESC LIMIT ?", arguments: arguments)
        return rows.map { row in
            let detailText: String? = row["detail"]
            let detail = detailText.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:]
            let kind = Principal.Kind(rawValue: row["actor_kind"]) ?? .system
            let role = Role(rawValue: row["actor_role"]) ?? .admin
            return AuditEntry(
                id: row["id"], at: row["at"],
                actor: Principal(kind: kind, id: row["actor_id"], name: row["actor_name"], role: role),
                action: row["action"], target: row["target"],
                outcome: AuditEntry.Outcome(rawValue: row["outcome"]) ?? .failed,
                detail: detail, requestID: row["request_id"])
        }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

extension Store {
    /// Appends one audit entry on its own (look-ups, denials, reloads).
    public func audit(_ entry: AuditEntry) async throws(StoreError) {
        try await write { db in try AuditLog.append(entry, in: db) }
    }

    /// Reads audit entries, newest first.
    public func auditEntries(_ query: AuditQuery) async throws(StoreError) -> [AuditEntry] {
        try await read { db in try AuditLog.fetch(query, in: db) }
    }
}
