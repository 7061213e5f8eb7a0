import Foundation

/// A person the community issues cards to. Their household is their unit.
public struct Holder: Sendable, Equatable {
    public var id: String
    public var name: String
    public var unit: UnitAddress
    public var phone: String?
    /// Canonical plate texts (uppercase, no separators).
    public var plates: [String]
    public var createdAt: Date
    /// Set when the holder's personal data was erased; the id stays for history.
    public var erasedAt: Date?

    public init(id: String, name: String, unit: UnitAddress, phone: String? = nil, plates: [String] = [],
                createdAt: Date = Date(), erasedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.unit = unit
        self.phone = phone
        self.plates = plates
        self.createdAt = createdAt
        self.erasedAt = erasedAt
    }
}

