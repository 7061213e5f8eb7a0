import Access
import Foundation
import GRDB
import Registry

/// A non-resident vehicle on the register, as stored.
public struct RegisteredVehicle: Sendable, Equatable {
    public var id: String
    public var plate: String
    public var description: String
    public var validFrom: Date?
    public var validUntil: Date?
    public var createdBy: String
    public var createdAt: Date
}

extension Store {
    public func registerVehicle(plate: String, description: String, validFrom: Date?, validUntil: Date?, by actor: Principal,
                                at time: Date = Date(), requestID: String? = nil) async throws(StoreError) -> RegisteredVehicle {
        let vehicle = RegisteredVehicle(id: UUID().uuidString.lowercased(), plate: plate, description: description,
                                        validFrom: validFrom, validUntil: validUntil, createdBy: actor.name, createdAt: time)
        try await write { db in
            try db.execute(sql: """
                INSERT INTO vehicle (id, plate, description, valid_from, valid_until, created_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [vehicle.id, vehicle.plate, vehicle.description, vehicle.validFrom, vehicle.validUntil,
                                 vehicle.createdBy, vehicle.createdAt])
            try AuditLog.append(AuditEntry(actor: actor, action: "vehicle.register", target: vehicle.id, requestID: requestID), in: db)
        }
        return vehicle
    }

    /// The register (not deleted), optionally one plate; the look-up is audited.
    public func vehicles(plate: String? = nil, by actor: Principal, requestID: String? = nil) async throws(StoreError) -> [RegisteredVehicle] {
        try await write { db in
            try AuditLog.append(AuditEntry(actor: actor, action: "vehicle.search", detail: plate.map { ["plate": $0] } ?? [:],
                                           requestID: requestID), in: db)
            var sql = "SELECT * FROM vehicle WHERE deleted_at IS NULL"
            var arguments: StatementArguments = []
            if let plate { sql += " AND plate = ?"; arguments += [plate] }
            return try Row.fetchAll(db, sql: sql + " ORDER BY created_at, rowid", arguments: arguments).map(Self.vehicle)
        }
    }

    public func deleteVehicle(id: String, by actor: Principal, at time: Date = Date(), requestID: String? = nil) async throws(StoreError) {
        try await write { db in
            try db.execute(sql: "UPDATE vehicle SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL", arguments: [time, id])
            guard db.changesCount == 1 else { throw StoreError.notFound("vehicle \(id)") }
            try AuditLog.append(AuditEntry(actor: actor, action: "vehicle.delete", target: id, requestID: requestID), in: db)
        }
    }

    /// Every plate the gate may let in at `time`: plates of holders with a card in force, and the register's
    /// vehicles within their windows. What the checkpoint's decisions read.
    public func vehicleRegistrations(at time: Date = Date()) async throws(StoreError) -> [VehicleRegistration] {
        try await read { db in
            let holders = try Row.fetchAll(db, sql: """
                SELECT DISTINCT p.plate, h.id AS holder_id, h.building, h.entrance, h.room
                FROM holder_plate p JOIN holder h ON h.id = p.holder_id
                WHERE h.erased_at IS NULL AND EXISTS (
                    SELECT 1 FROM card c WHERE c.holder_id = h.id AND c.revoked_at IS NULL AND c.valid_from <= ? AND c.valid_until > ?)
                """, arguments: [time, time]).map { row -> VehicleRegistration in
                let entrance: String = row["entrance"]
                let unit = [row["building"] as String, entrance, row["room"] as String].filter { !$0.isEmpty }.joined(separator: "-")
                return VehicleRegistration(plate: row["plate"], owner: "holder of \(unit)", holderID: row["holder_id"])
            }
            let vehicles = try Row.fetchAll(db, sql: "SELECT * FROM vehicle WHERE deleted_at IS NULL").map(Self.vehicle).map {
                VehicleRegistration(plate: $0.plate, owner: $0.description, validFrom: $0.validFrom, validUntil: $0.validUntil)
            }
            return holders + vehicles
        }
    }

    static func vehicle(_ row: Row) -> RegisteredVehicle {
        RegisteredVehicle(id: row["id"], plate: row["plate"], description: row["description"], validFrom: row["valid_from"],
                          validUntil: row["valid_until"], createdBy: row["created_by"], createdAt: row["created_at"])
    }
}
