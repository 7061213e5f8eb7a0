import Foundation

/// Where a holder lives; a household is everyone with the same unit.
public struct UnitAddress: Sendable, Equatable, Codable, Hashable, CustomStringConvertible {
    public var building: String
    public var entrance: String
    public var room: String

    public init(building: String, entrance: String = "", room: String) {
        self.building = building
        self.entrance = entrance
        self.room = room
    }

    /// Stable key for quotas and look-ups, e.g. `7/2/301`.
    public var householdKey: String { [building, entrance, room].map { $0.lowercased() }.joined(separator: "/") }

    /// As a guard reads it: `Bldg 7, Ent 2, Rm 301`.
    public var description: String {
        var parts = ["Bldg \(building)"]
        if !entrance.isEmpty { parts.append("Ent \(entrance)") }
        parts.append("Rm \(room)")
        return parts.joined(separator: ", ")
    }
}

/// A card as the registry keeps it (the token is derived from this).
public struct EntryCard: Sendable, Equatable {
    public var id: String
    public var holderID: String
    public var holderName: String
    public var unit: UnitAddress
    public var category: CardCategory
    public var validFrom: Date
    public var validUntil: Date
    /// Empty means every checkpoint.
    public var checkpoints: [String]
    public var allowedHours: AllowedHours?
    public var quota: Quota?
    public var generation: UInt16
    public var keyID: UInt16
    public var revokedAt: Date?
    public var revokedReason: String?

    public init(id: String, holderID: String, holderName: String, unit: UnitAddress, category: CardCategory,
                validFrom: Date, validUntil: Date, checkpoints: [String] = [], allowedHours: AllowedHours? = nil,
                quota: Quota? = nil, generation: UInt16 = 1, keyID: UInt16, revokedAt: Date? = nil,
                revokedReason: String? = nil) {
        self.id = id
        self.holderID = holderID
        self.holderName = holderName
        self.unit = unit
        self.category = category
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.checkpoints = checkpoints
        self.allowedHours = allowedHours
        self.quota = quota
        self.generation = generation
        self.keyID = keyID
        self.revokedAt = revokedAt
        self.revokedReason = revokedReason
    }
}
