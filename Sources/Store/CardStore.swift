import Access
import Foundation
import GRDB
import Registry

/// A stored card with what only the registry needs (its current token, who issued it).
public struct CardRecord: Sendable, Equatable {
    public var card: EntryCard
    public var token: String
    public var issuedAt: Date
    public var issuedBy: String
    public var renewedAt: Date?
}

/// Card filters for lists and searches.
public struct CardQuery: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable { case active, revoked, expired, all }
    public var holderID: String?
    public var status: Status
    public var category: CardCategory?
    public var limit: Int

    public init(holderID: String? = nil, status: Status = .all, category: CardCategory? = nil, limit: Int = 100) {
        self.holderID = holderID
        self.status = status
        self.category = category
        self.limit = limit
    }
}

/// What an offline scanner needs besides the public keys.
public struct RevocationList: Sendable, Equatable {
    public struct Revoked: Sendable, Equatable { public var cardID: String; public var revokedAt: Date }
    public struct Renewed: Sendable, Equatable { public var cardID: String; public var generation: UInt16; public var renewedAt: Date }
    public var revoked: [Revoked]
    /// Cards whose tokens below `generation` are no longer valid.
    public var renewed: [Renewed]
    public var generatedAt: Date
}

extension Store {
    /// Stores a newly issued card; `sign` turns the card into its token inside the same transaction.
    public func issueCard(_ card: EntryCard, sign: @escaping @Sendable (EntryCard) throws -> String, by actor: Principal,
                          requestID: String? = nil) async throws(StoreError) -> CardRecord {
        try await write { db in
            guard try HolderRows.fetch(id: card.holderID, in: db)?.erasedAt == nil else {
                throw StoreError.notFound("holder \(card.holderID)")
            }
            let token = try sign(card)
            let now = Date()
            try db.execute(sql: """
                INSERT INTO card (id, holder_id, category, valid_from, valid_until, checkpoints, allowed_hours,
                                  quota_count, quota_days, quota_direction, generation, key_id, token, issued_at, issued_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    card.id, card.holderID, card.category.rawValue, card.validFrom, card.validUntil,
                    CardRows.json(card.checkpoints), card.allowedHours.map { "\($0.start)-\($0.end)" },
                    card.quota?.count, card.quota?.days, card.quota?.direction.rawValue,
                    Int(card.generation), Int(card.keyID), token, now, actor.name,
                ])
            try AuditLog.append(AuditEntry(actor: actor, action: "card.issue", target: card.id,
                                           detail: ["category": card.category.rawValue, "holder": card.holderID],
                                           requestID: requestID), in: db)
            return try CardRows.fetch(id: card.id, in: db)!
        }
    }

    /// Reads one card (audited: it carries the holder's name and unit).
    public func card(id: String, by actor: Principal?, requestID: String? = nil) async throws(StoreError) -> CardRecord {
        try await write { db in
            guard let record = try CardRows.fetch(id: id, in: db) else { throw StoreError.notFound("card \(id)") }
            if let actor {
                try AuditLog.append(AuditEntry(actor: actor, action: "card.read", target: id, requestID: requestID), in: db)
            }
            return record
        }
    }

    /// Lists cards; audited as `card.search` unless `actor` is nil (part of a look-up already audited).
    public func cards(_ query: CardQuery, by actor: Principal?, requestID: String? = nil) async throws(StoreError) -> [CardRecord] {
        try await write { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            let now = Date()
            if let holder = query.holderID { clauses.append("holder_id = ?"); arguments += [holder] }
            if let category = query.category { clauses.append("category = ?"); arguments += [category.rawValue] }
            switch query.status {
            case .active: clauses.append("revoked_at IS NULL AND valid_until > ?"); arguments += [now]
            case .revoked: clauses.append("revoked_at IS NOT NULL")
            case .expired: clauses.append("revoked_at IS NULL AND valid_until <= ?"); arguments += [now]
            case .all: break
            }
            arguments += [max(1, min(query.limit, 500))]
            let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            let ids = try String.fetchAll(db, sql: "SELECT id FROM card \(whereSQL) ORDER BY issued_at DESC LIMIT ?",
                                          arguments: arguments)
            var detail = ["status": query.status.rawValue]
            if let holder = query.holderID { detail["holder"] = holder }
            if let actor {
                try AuditLog.append(AuditEntry(actor: actor, action: "card.search", detail: detail, requestID: requestID), in: db)
            }
            return try ids.compactMap { try CardRows.fetch(id: $0, in: db) }
        }
    }

    /// New validity, next generation, new token; the card's earlier tokens stop working.
    public func renewCard(id: String, validFrom: Date?, validUntil: Date, sign: @escaping @Sendable (EntryCard) throws -> String,
                          by actor: Principal, requestID: String? = nil) async throws(StoreError) -> CardRecord {
        try await write { db in
            guard var card = try CardRows.fetch(id: id, in: db)?.card else { throw StoreError.notFound("card \(id)") }
            guard card.revokedAt == nil else { throw StoreError.conflict("card \(id) is revoked; issue a new card") }
            card.validFrom = validFrom ?? min(card.validFrom, Date())
            card.validUntil = validUntil
            guard card.validUntil > card.validFrom else { throw StoreError.conflict("valid_until must be after valid_from") }
            guard card.generation < UInt16.max else { throw StoreError.conflict("card \(id) cannot be renewed again; issue a new card") }
            card.generation += 1
            let token = try sign(card)
            try db.execute(sql: """
                UPDATE card SET valid_from = ?, valid_until = ?, generation = ?, key_id = ?, token = ?, renewed_at = ?
                WHERE id = ?
                """, arguments: [card.validFrom, card.validUntil, Int(card.generation), Int(card.keyID), token, Date(), id])
            try AuditLog.append(AuditEntry(actor: actor, action: "card.renew", target: id,
                                           detail: ["valid_until": ISO8601DateFormatter().string(from: validUntil),
                                                    "generation": String(card.generation)],
                                           requestID: requestID), in: db)
            return try CardRows.fetch(id: id, in: db)!
        }
    }

    public func revokeCard(id: String, reason: String, by actor: Principal, requestID: String? = nil) async throws(StoreError) -> CardRecord {
        try await write { db in
            guard let record = try CardRows.fetch(id: id, in: db) else { throw StoreError.notFound("card \(id)") }
            if record.card.revokedAt == nil {
                try db.execute(sql: "UPDATE card SET revoked_at = ?, revoked_by = ?, revoked_reason = ? WHERE id = ?",
                               arguments: [Date(), actor.name, reason, id])
                try AuditLog.append(AuditEntry(actor: actor, action: "card.revoke", target: id, detail: ["reason": reason],
                                               requestID: requestID), in: db)
            }
            return try CardRows.fetch(id: id, in: db)!
        }
    }

    /// Revoked cards and renewals since `since` (everything when nil), for offline scanners.
    public func revocations(since: Date?) async throws(StoreError) -> RevocationList {
        try await read { db in
            let floor = since ?? .distantPast
            let revoked = try Row.fetchAll(db, sql: """
                SELECT id, revoked_at FROM card WHERE revoked_at IS NOT NULL AND revoked_at >= ? ORDER BY revoked_at
                """, arguments: [floor]).map { RevocationList.Revoked(cardID: $0["id"], revokedAt: $0["revoked_at"]) }
            let renewed = try Row.fetchAll(db, sql: """
                SELECT id, generation, renewed_at FROM card
                WHERE renewed_at IS NOT NULL AND renewed_at >= ? AND revoked_at IS NULL ORDER BY renewed_at
                """, arguments: [floor]).map {
                    RevocationList.Renewed(cardID: $0["id"], generation: UInt16(clamping: $0["generation"] as Int),
                                           renewedAt: $0["renewed_at"])
                }
            return RevocationList(revoked: revoked, renewed: renewed, generatedAt: Date())
        }
    }

    // MARK: Signing keys (public halves; private keys live in files)

    public func cardKeys() async throws(StoreError) -> [CardKeyring.Key] {
        try await read { db in try CardRows.keys(in: db) }
    }

    public func addCardKey(id: UInt16, publicKey: Data, by actor: Principal) async throws(StoreError) {
        try await write { db in
            try db.execute(sql: "INSERT INTO card_key (id, public_key, created_at) VALUES (?, ?, ?)",
                           arguments: [Int(id), publicKey, Date()])
            try AuditLog.append(AuditEntry(actor: actor, action: "key.create", target: String(id)), in: db)
        }
    }

    public func retireCardKey(id: UInt16, by actor: Principal, requestID: String? = nil) async throws(StoreError) {
        try await write { db in
            let active = try Int.fetchOne(db, sql: "SELECT count(*) FROM card_key WHERE retired_at IS NULL") ?? 0
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM card_key WHERE id = ?", arguments: [Int(id)]) else {
                throw StoreError.notFound("key \(id)")
            }
            guard (row["retired_at"] as Date?) == nil else { return }
            guard active > 1 else { throw StoreError.conflict("key \(id) is the only active key; rotate first") }
            try db.execute(sql: "UPDATE card_key SET retired_at = ? WHERE id = ?", arguments: [Date(), Int(id)])
            try AuditLog.append(AuditEntry(actor: actor, action: "key.retire", target: String(id), requestID: requestID), in: db)
        }
    }
}

/// Row mapping for cards and keys.
enum CardRows {
    static func json(_ list: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(list)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func fetch(id: String, in db: Database) throws -> CardRecord? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT c.*, h.name AS holder_name, h.building, h.entrance, h.room
            FROM card c JOIN holder h ON h.id = c.holder_id WHERE c.id = ?
            """, arguments: [id]) else { return nil }
        return record(row)
    }

    static func record(_ row: Row) -> CardRecord {
        let checkpointsText: String = row["checkpoints"]
        let checkpoints = (try? JSONDecoder().decode([String].self, from: Data(checkpointsText.utf8))) ?? []
        var hours: AllowedHours?
        if let text = row["allowed_hours"] as String? {
            let parts = text.split(separator: "-").compactMap { Int($0) }
            if parts.count == 2 { hours = AllowedHours(start: parts[0], end: parts[1]) }
        }
        var quota: Quota?
        if let count = row["quota_count"] as Int?, let days = row["quota_days"] as Int? {
            quota = Quota(count: count, days: days,
                          direction: PassageDirection(rawValue: row["quota_direction"] ?? "out") ?? .out)
        }
        let card = EntryCard(
            id: row["id"], holderID: row["holder_id"], holderName: row["holder_name"],
            unit: UnitAddress(building: row["building"], entrance: row["entrance"], room: row["room"]),
            category: CardCategory(rawValue: row["category"]) ?? .visitor,
            validFrom: row["valid_from"], validUntil: row["valid_until"], checkpoints: checkpoints,
            allowedHours: hours, quota: quota, generation: UInt16(clamping: row["generation"] as Int),
            keyID: UInt16(clamping: row["key_id"] as Int), revokedAt: row["revoked_at"], revokedReason: row["revoked_reason"])
        return CardRecord(card: card, token: row["token"], issuedAt: row["issued_at"], issuedBy: row["issued_by"],
                          renewedAt: row["renewed_at"])
    }

    static func keys(in db: Database) throws -> [CardKeyring.Key] {
        try Row.fetchAll(db, sql: "SELECT * FROM card_key ORDER BY id").compactMap { row in
            let raw: Data = row["public_key"]
            guard let key = try? Curve25519PublicKey(raw) else { return nil }
            return CardKeyring.Key(id: UInt16(clamping: row["id"] as Int), publicKey: key,
                                   createdAt: row["created_at"], retiredAt: row["retired_at"])
        }
    }
}
