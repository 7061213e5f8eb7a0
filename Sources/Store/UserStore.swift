import Access
import Foundation
import GRDB

/// A person who signs in to the staff pages.
public struct StaffUser: Sendable, Equatable {
    public var id: String
    public var name: String
    public var role: Role
    public var createdAt: Date
    public var disabledAt: Date?

    public var principal: Principal { Principal(kind: .session, id: "user:\(id)", name: name, role: role) }
}

/// A signed-in browser: the cookie's digest, its user and its CSRF secret.
public struct WebSession: Sendable, Equatable {
    public var user: StaffUser
    public var csrf: String
    public var expiresAt: Date
}

extension Store {
    public func createUser(name: String, role: Role, passwordHash: String, by actor: Principal,
                           requestID: String? = nil) async throws(StoreError) -> StaffUser {
        let user = StaffUser(id: UUID().uuidString.lowercased(), name: name, role: role, createdAt: Date())
        try await write { db in
            try db.execute(sql: """
                INSERT INTO staff_user (id, name, role, password_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [user.id, name, role.rawValue, passwordHash, user.createdAt, actor.name])
            try AuditLog.append(AuditEntry(actor: actor, action: "user.create", target: user.id,
                                           detail: ["name": name, "role": role.rawValue], requestID: requestID), in: db)
        }
        return user
    }

    /// The user and stored hash for a sign-in attempt (disabled users are not returned).
    public func userForLogin(name: String) async throws(StoreError) -> (StaffUser, String)? {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM staff_user WHERE name = ? AND disabled_at IS NULL",
                                             arguments: [name]) else { return nil }
            return (UserRows.user(row), row["password_hash"])
        }
    }

    public func setPassword(userName: String, passwordHash: String, by actor: Principal) async throws(StoreError) {
        try await write { db in
            try db.execute(sql: "UPDATE staff_user SET password_hash = ? WHERE name = ?", arguments: [passwordHash, userName])
            guard db.changesCount == 1 else { throw StoreError.notFound("user \(userName)") }
            try db.execute(sql: "DELETE FROM web_session WHERE user_id = (SELECT id FROM staff_user WHERE name = ?)",
                           arguments: [userName])
            try AuditLog.append(AuditEntry(actor: actor, action: "user.password", target: userName), in: db)
        }
    }

    public func users() async throws(StoreError) -> [StaffUser] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM staff_user ORDER BY name").map(UserRows.user) }
    }

    public func hasUsers() async throws(StoreError) -> Bool {
        try await read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM staff_user)") ?? false }
    }

    public func createSession(digest: String, userID: String, csrf: String, expiresAt: Date,
                              audit entry: AuditEntry) async throws(StoreError) {
        try await write { db in
            try db.execute(sql: "DELETE FROM web_session WHERE expires_at <= ?", arguments: [Date()])
            try db.execute(sql: """
                INSERT INTO web_session (digest, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
                """, arguments: [digest, userID, csrf, Date(), expiresAt])
            try AuditLog.append(entry, in: db)
        }
    }

    public func session(digest: String, at now: Date = Date()) async throws(StoreError) -> WebSession? {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT s.csrf, s.expires_at, u.* FROM web_session s JOIN staff_user u ON u.id = s.user_id
                WHERE s.digest = ? AND s.expires_at > ? AND u.disabled_at IS NULL
                """, arguments: [digest, now]) else { return nil }
            return WebSession(user: UserRows.user(row), csrf: row["csrf"], expiresAt: row["expires_at"])
        }
    }

    public func deleteSession(digest: String) async throws(StoreError) {
        try await write { db in try db.execute(sql: "DELETE FROM web_session WHERE digest = ?", arguments: [digest]) }
    }
}

enum UserRows {
    static func user(_ row: Row) -> StaffUser {
        StaffUser(id: row["id"], name: row["name"], role: Role(rawValue: row["role"]) ?? .staff,
                  createdAt: row["created_at"], disabledAt: row["disabled_at"])
    }
}
