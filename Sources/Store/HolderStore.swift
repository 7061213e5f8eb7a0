import Access
import Foundation
import GRDB
import Registry

/// What a search for holders looks for; each given field narrows the result.
public struct HolderQuery: Sendable, Equatable {
    /// Part of the name, case-insensitive.
    public var name: String?
    /// Exact unit: building, and optionally entrance and room.
    public var building: String?
    public var entrance: String?
    public var room: String?
    /// Canonical plate text.
    public var plate: String?
    public var limit: Int

    public init(name: String? = nil, building: String? = nil, entrance: String? = nil, room: String? = nil,
                plate: String? = nil, limit: Int = 50) {
        self.name = name
        self.building = building
        self.entrance = entrance
        self.room = room
        self.plate = plate
        self.limit = limit
    }

    var auditDetail: [String: String] {
        var detail: [String: String] = [:]
        if let name { detail["name"] = name }
        if let building { detail["building"] = building }
        if let entrance { detail["entrance"] = entrance }
        if let room { detail["room"] = room }
        if let plate { detail["plate"] = plate }
        return detail
    }
}

extension Store {
    public func createHolder(name: String, unit: UnitAddress, phone: String?, plates: [String],
                             by actor: Principal, requestID: String? = nil) async throws(StoreError) -> Holder {
        let holder = Holder(id: UUID().uuidString.lowercased(), name: name, unit: unit, phone: phone,
                            plates: plates, createdAt: Date())
        try await write { db in
            try HolderRows.insert(holder, by: actor, in: db)
            try AuditLog.append(AuditEntry(actor: actor, action: "holder.create", target: holder.id, requestID: requestID), in: db)
        }
        return holder
    }

    /// Reads one holder; the read is audited as a look-up of personal data.
    public func holder(id: String, by actor: Principal, requestID: String? = nil) async throws(StoreError) -> Holder {
        try await write { db in
            guard let holder = try HolderRows.fetch(id: id, in: db) else { throw StoreError.notFound("holder \(id)") }
            try AuditLog.append(AuditEntry(actor: actor, action: "holder.read", target: id, requestID: requestID), in: db)
            return holder
        }
    }

    /// Searches holders; the search and its terms are audited.
    public func searchHolders(_ query: HolderQuery, by actor: Principal, requestID: String? = nil) async throws(StoreError) -> [Holder] {
        try await write { db in
            var clauses = ["h.erased_at IS NULL"]
            var arguments: StatementArguments = []
            if let name = query.name { clauses.append("h.name LIKE ? ESCAPE '\\'"); arguments += ["%\(Self.likeEscaped(name))%"] }
            if let building = query.building { clauses.append("h.building = ? COLLATE NOCASE"); arguments += [building] }
            if let entrance = query.entrance { clauses.append("h.entrance = ? COLLATE NOCASE"); arguments += [entrance] }
            if let room = query.room { clauses.append("h.room = ? COLLATE NOCASE"); arguments += [room] }
            if let plate = query.plate {
                clauses.append("h.id IN (SELECT holder_id FROM holder_plate WHERE plate = ?)"); arguments += [plate]
            }
            arguments += [max(1, min(query.limit, 500))]
            let ids = try String.fetchAll(db, sql: """
                SELECT h.id FROM holder h WHERE \(clauses.joined(separator: " AND "))
                ORDER BY h.building, h.entrance, h.room, h.name LIMIT ?
                """, arguments: arguments)
            try AuditLog.append(AuditEntry(actor: actor, action: "holder.search", detail: query.auditDetail,
                                           requestID: requestID), in: db)
            return try ids.compactMap { try HolderRows.fetch(id: $0, in: db) }
        }
    }

    public func updateHolder(id: String, name: String?, unit: UnitAddress?, phone: String??, plates: [String]?,
                             by actor: Principal, requestID: String? = nil) async throws(StoreError) -> Holder {
        try await write { db in
            guard var holder = try HolderRows.fetch(id: id, in: db), holder.erasedAt == nil else {
                throw StoreError.notFound("holder \(id)")
            }
            var changed: [String] = []
            if let name, name != holder.name { holder.name = name; changed.append("name") }
            if let unit, unit != holder.unit { holder.unit = unit; changed.append("unit") }
            if let phone, phone != holder.phone { holder.phone = phone; changed.append("phone") }
            if let plates, plates != holder.plates { holder.plates = plates; changed.append("plates") }
            try db.execute(sql: """
                UPDATE holder SET name = ?, building = ?, entrance = ?, room = ?, household = ?, phone = ?, updated_at = ?
                WHERE id = ?
                """, arguments: [holder.name, holder.unit.building, holder.unit.entrance, holder.unit.room,
                                 holder.unit.householdKey, holder.phone, Date(), id])
            try HolderRows.replacePlates(holder.plates, of: id, in: db)
            try AuditLog.append(AuditEntry(actor: actor, action: "holder.update", target: id,
                                           detail: ["fields": changed.joined(separator: ",")], requestID: requestID), in: db)
            return holder
        }
    }

    /// Erases a holder's personal data and revokes their cards; entry history keeps the bare id.
    public func eraseHolder(id: String, by actor: Principal, requestID: String? = nil) async throws(StoreError) {
        try await write { db in
            guard try HolderRows.fetch(id: id, in: db) != nil else { throw StoreError.notFound("holder \(id)") }
            let now = Date()
            try db.execute(sql: """
                UPDATE card SET revoked_at = ?, revoked_by = ?, revoked_reason = 'holder erased'
                WHERE holder_id = ? AND revoked_at IS NULL
                """, arguments: [now, actor.name, id])
            try db.execute(sql: """
                UPDATE holder SET name = '(erased)', phone = NULL, updated_at = ?, erased_at = ? WHERE id = ?
                """, arguments: [now, now, id])
            try db.execute(sql: "DELETE FROM holder_plate WHERE holder_id = ?", arguments: [id])
            try AuditLog.append(AuditEntry(actor: actor, action: "holder.erase", target: id, requestID: requestID), in: db)
        }
    }

    static func likeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}

/// Row mapping for holders, shared by the stores that join them.
enum HolderRows {
    static func insert(_ holder: Holder, by actor: Principal, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO holder (id, name, building, entrance, room, household, phone, created_at, created_by, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [holder.id, holder.name, holder.unit.building, holder.unit.entrance, holder.unit.room,
                             holder.unit.householdKey, holder.phone, holder.createdAt, actor.name, holder.createdAt])
        try replacePlates(holder.plates, of: holder.id, in: db)
    }

    static func replacePlates(_ plates: [String], of id: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM holder_plate WHERE holder_id = ?", arguments: [id])
        for plate in Set(plates) {
            try db.execute(sql: "INSERT INTO holder_plate (holder_id, plate) VALUES (?, ?)", arguments: [id, plate])
        }
    }

    static func fetch(id: String, in db: Database) throws -> Holder? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM holder WHERE id = ?", arguments: [id]) else { return nil }
        let plates = try String.fetchAll(db, sql: "SELECT plate FROM holder_plate WHERE holder_id = ? ORDER BY plate", arguments: [id])
        return Holder(id: row["id"], name: row["name"],
                      unit: UnitAddress(building: row["building"], entrance: row["entrance"], room: row["room"]),
                      phone: row["phone"], plates: plates, createdAt: row["created_at"], erasedAt: row["erased_at"])
    }
}
