/// One plate format: the character class of every position. Formats are data,
/// so a region is a list of them and adding a special series is one line.
public struct PlateFormat: Sendable, Equatable {
    public let name: String
    public let region: PlateRegion
    public let positions: [CharacterClass]
    /// Plate colours this format is printed on (a hint for ranking, not a rule).
    public let kinds: [PlateKind]

    public init(name: String, region: PlateRegion, positions: [CharacterClass], kinds: [PlateKind]) {
        self.name = name
        self.region = region
        self.positions = positions
        self.kinds = kinds
    }

    public var length: Int { positions.count }

    /// Whether canonical `text` fits exactly.
    public func matches(_ text: String) -> Bool {
        let characters = Array(text)
        guard characters.count == positions.count else { return false }
        return zip(positions, characters).allSatisfy { $0.allows($1) }
    }
}

extension PlateFormat {
    private static func latin(_ region: PlateRegion, _ length: Int) -> PlateFormat {
        PlateFormat(name: "\(region.rawValue)-\(length)", region: region,
                    positions: Array(repeating: .latinAlphanumeric, count: length), kinds: [.latin])
    }

    /// Mainland China: ordinary (blue/yellow), new-energy (green), and the common special series.
    public static let cn: [PlateFormat] = [
        PlateFormat(name: "cn-ordinary", region: .cn,
                    positions: [.province, .cnLetter] + Array(repeating: .cnAlphanumeric, count: 5),
                    kinds: [.blue, .yellow, .black]),
        PlateFormat(name: "cn-new-energy", region: .cn,
                    positions: [.province, .cnLetter] + Array(repeating: .cnAlphanumeric, count: 6), kinds: [.green]),
        PlateFormat(name: "cn-police", region: .cn,
                    positions: [.province, .cnLetter] + Array(repeating: .cnAlphanumeric, count: 4) + [.oneOf(["警"])],
                    kinds: [.white]),
        PlateFormat(name: "cn-learner", region: .cn,
                    positions: [.province, .cnLetter] + Array(repeating: .cnAlphanumeric, count: 4) + [.oneOf(["学"])],
                    kinds: [.yellow]),
    ]

    /// United States: states use 2 to 8 letters and digits.
    public static let us: [PlateFormat] = (2...8).map { latin(.us, $0) }

    /// Europe, generic: 4 to 9 letters and digits once separators are dropped.
    public static let eu: [PlateFormat] = (4...9).map { latin(.eu, $0) }

    public static func formats(for regions: [PlateRegion]) -> [PlateFormat] {
        regions.flatMap { region -> [PlateFormat] in
            switch region {
            case .cn: cn
            case .us: us
            case .eu: eu
            }
        }
    }
}
