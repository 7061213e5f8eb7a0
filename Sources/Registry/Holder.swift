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

/// Plate text as stored and compared: uppercase, no spaces, dots, hyphens or middle dots.
public enum PlateText {
    public static func canonical(_ raw: String) -> String {
        let dropped: Set<Character> = [" ", ".", "-", "·", "•", "・", "_"]
        return String(raw.uppercased().filter { !dropped.contains($0) && !$0.isWhitespace })
    }

    /// A plausible plate: 2 to 12 letters, digits or CJK characters once canonical.
    public static func isPlausible(_ canonical: String) -> Bool {
        (2...12).contains(canonical.count) && canonical.allSatisfy { $0.isLetter || $0.isNumber }
    }
}
