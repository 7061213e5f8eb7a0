import Access
import Foundation
import GRDB

/// A stored API token, without its secret (only the digest is ever stored).
public struct TokenRecord: Sendable, Equatable, Codable {
    public enum Source: String, Sendable, Codable {
        case api, cli, config, bootstrap
    }

    public var id: String
    public var name: String
    public var role: Role
    public var source: Source
    public var createdAt: Date
    public var createdBy: String
    public var expiresAt: Date?
    public var revokedAt: Date?

    public var isActive: Bool { isActive(at: Date()) }

    public func isActive(at now: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { $0 > now } ?? true)
    }

    init(row: Row) {
        id = row["id"]
        name = row["name"]
        role = Role(rawValue: row["role"]) ?? .device
        source = Source(rawValue: row["source"]) ?? .api
        createdAt = row["created_at"]
        createdBy = row["created_by"]
        expiresAt = row["expires_at"]
        revokedAt = row["revoked_at"]
    }
}

extension Store {
    /// Stores a new token's digest and audits its creation in the same transaction.
    public func createToken(
        name: String, role: Role, digest: String, source: TokenRecord.Source, expiresAt: Date? = nil,
        by actor: Principal, requestID: String? = nil
    ) async throws(StoreError) -> TokenRecord {
        let id = UUID().uuidString.lowercased()
        let now = Date()
        return try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO api_token (id, name, role, digest, source, created_at, created_by, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [id, name, role.rawValue, digest, source.rawValue, now, actor.name, expiresAt])
            var detail = ["name": name, "role": role.rawValue, "source": source.rawValue]
            if let expiresAt { detail["expires_at"] = ISO8601DateFormatter().string(from: expiresAt) }
            try AuditLog.append(
                AuditEntry(at: now, actor: actor, action: "token.create", target: id, detail: detail, requestID: requestID),
                in: db)
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM api_token WHERE id = ?", arguments: [id]) else {
                throw StoreError.failed("token \(id) vanished after insert")
            }
            return TokenRecord(row: row)
        }
    }

    /// The principal behind a presented token digest, if the token is known and active.
    public func principal(forDigest digest: String, at now: Date = Date()) async throws(StoreError) -> Principal? {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM api_token WHERE digest = ?", arguments: [digest])
            else { return nil }
            let record = TokenRecord(row: row)
            guard record.isActive(at: now) else { return nil }
            return Principal(kind: .token, id: record.id, name: record.name, role: record.role)
        }
    }

    public func tokens(includeRevoked: Bool = false) async throws(StoreError) -> [TokenRecord] {
        try await read { db in
            let filter = includeRevoked ? "" : "WHERE revoked_at IS NULL"
            return try Row.fetchAll(db, sql: "SELECT * FROM api_token \(filter) ORDER BY created_at, name")
                .map(TokenRecord.init(row:))
        }
    }

    /// Revokes a token; revoking twice is not an error, revoking an unknown id is.
    public func revokeToken(id: String, by actor: Principal, requestID: String? = nil) async throws(StoreError) -> TokenRecord {
        let now = Date()
        return try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM api_token WHERE id = ?", arguments: [id]) else {
                throw StoreError.notFound("token \(id)")
            }
            if row["revoked_at"] as Date? == nil {
                try db.execute(sql: "UPDATE api_token SET revoked_at = ?, revoked_by = ? WHERE id = ?",
                               arguments: [now, actor.name, id])
                try AuditLog.append(
                    AuditEntry(at: now, actor: actor, action: "token.revoke", target: id, requestID: requestID), in: db)
            }
            let updated = try Row.fetchOne(db, sql: "SELECT * FROM api_token WHERE id = ?", arguments: [id])!
            return TokenRecord(row: updated)
        }
    }

    /// Whether any unrevoked, unexpired admin token exists (else the daemon bootstraps one).
    public func hasActiveAdmin(at now: Date = Date()) async throws(StoreError) -> Bool {
        try await read { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM api_token
                               WHERE role = 'admin' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?))
                """, arguments: [now]) ?? false
        }
    }

    /// A token that configuration management wants to exist.
    public struct ProvisionedToken: Sendable, Equatable {
        public var name: String
        public var role: Role
        public var digest: String

        public init(name: String, role: Role, digest: String) {
            self.name = name
            self.role = role
            self.digest = digest
        }
    }

    /// Makes config-provisioned tokens match the config: adds new ones, revokes
    /// ones the config no longer lists. Returns how many were added and revoked.
    @discardableResult
    public func syncProvisionedTokens(_ wanted: [ProvisionedToken], by actor: Principal) async throws(StoreError)
        -> (added: Int, revoked: Int)
    {
        let now = Date()
        return try await write { db in
            let current = try Row.fetchAll(
                db, sql: "SELECT * FROM api_token WHERE source = 'config' AND revoked_at IS NULL")
            var added = 0, revoked = 0
            let wantedDigests = Set(wanted.map(\.digest))
            for row in current where !wantedDigests.contains(row["digest"]) {
                let id: String = row["id"]
                try db.execute(sql: "UPDATE api_token SET revoked_at = ?, revoked_by = ? WHERE id = ?",
                               arguments: [now, actor.name, id])
                try AuditLog.append(AuditEntry(at: now, actor: actor, action: "token.revoke", target: id,
                                               detail: ["reason": "removed from config"]), in: db)
                revoked += 1
            }
            for token in wanted {
                if let existing = try Row.fetchOne(db, sql: "SELECT * FROM api_token WHERE digest = ?", arguments: [token.digest]) {
                    let record = TokenRecord(row: existing)
                    if record.source == .config && record.revokedAt == nil
                        && (record.name != token.name || record.role != token.role)
                    {
                        try db.execute(sql: "UPDATE api_token SET name = ?, role = ? WHERE id = ?",
                                       arguments: [token.name, token.role.rawValue, record.id])
                        try AuditLog.append(AuditEntry(at: now, actor: actor, action: "token.update", target: record.id,
                                                       detail: ["name": token.name, "role": token.role.rawValue]), in: db)
                    }
                    continue
                }
                let id = UUID().uuidString.lowercased()
                try db.execute(
                    sql: """
                        INSERT INTO api_token (id, name, role, digest, source, created_at, created_by)
                        VALUES (?, ?, ?, ?, 'config', ?, ?)
                        """,
                    arguments: [id, token.name, token.role.rawValue, token.digest, now, actor.name])
                try AuditLog.append(AuditEntry(at: now, actor: actor, action: "token.create", target: id,
                                               detail: ["name": token.name, "role": token.role.rawValue, "source": "config"]),
                                    in: db)
                added += 1
            }
            return (added, revoked)
        }
    }
}
