/// One plate format: the character class of every position. Formats are data,
/// so a region is a list of them and adding a special series is one line.
public struct PlateFormat: Sendable, Equatable {
    public let name: String
    public let region: PlateRegion
    public let positions: [CharacterClass]
    /// Plate colours this format is printed on (a hint for ranking, not a rule).
    public let kinds: [PlateKind]
    /// A catch-all ("any 7 letters and digits") that stands behind a region's specific formats: a reader
    /// prefers a specific format that fits almost as well, since real plates follow one far more often.
    public let isCatchAll: Bool
    /// Most letters its letter-or-digit positions hold together (nil: any number). A Chinese serial is issued
    /// with at most two (GA 36), which settles a letter the picture leaves in doubt against a digit (`W1W2U`).
    public let mostLetters: Int?

    public init(name: String, region: PlateRegion, positions: [CharacterClass], kinds: [PlateKind],
                isCatchAll: Bool = false, mostLetters: Int? = nil) {
        self.name = name
        self.region = region
        self.positions = positions
        self.kinds = kinds
        self.isCatchAll = isCatchAll
        self.mostLetters = mostLetters
    }

    public var length: Int { positions.count }

    /// Whether canonical `text` fits exactly.
    public func matches(_ text: String) -> Bool {
        let characters = Array(text)
        guard characters.count == positions.count else { return false }
        return zip(positions, characters).allSatisfy { $0.allows($1) } && keepsLetterLimit(characters)
    }

    /// Whether `characters` (one per position) have no more letters at the letter-or-digit positions than `mostLetters`.
    public func keepsLetterLimit(_ characters: [Character]) -> Bool {
        guard let mostLetters else { return true }
        return zip(positions, characters).filter { $0.0.isLetterOrDigit && $0.1.isLetter }.count <= mostLetters
    }

    /// The same format with each letter-or-digit position made a letter or a digit, in every way that keeps
    /// `mostLetters` (the format itself when it has no limit): what a decoder that searches position by
    /// position searches to keep the limit.
    public var withinLetterLimit: [PlateFormat] {
        guard let mostLetters else { return [self] }
        var expanded: [(positions: [CharacterClass], letters: Int)] = [([], 0)]
        for position in positions {
            expanded = expanded.flatMap { prefix -> [(positions: [CharacterClass], letters: Int)] in
                guard let (letter, digit) = position.letterOrDigit else { return [(prefix.positions + [position], prefix.letters)] }
                return [(prefix.positions + [digit], prefix.letters)]
                    + (prefix.letters < mostLetters ? [(prefix.positions + [letter], prefix.letters + 1)] : [])
            }
        }
        return expanded.map { PlateFormat(name: name, region: region, positions: $0.positions, kinds: kinds, isCatchAll: isCatchAll) }
    }
}

extension PlateFormat {
    private static func latin(_ region: PlateRegion, _ length: Int) -> PlateFormat {
        PlateFormat(name: "\(region.rawValue)-\(length)", region: region,
                    positions: Array(repeating: .latinAlphanumeric, count: length), kinds: [.latin], isCatchAll: true)
    }

    /// A national (or state) Latin series from its pattern once separators are dropped: L a letter, D a digit,
    /// A either. Named by its region, issuers and pattern: `eu-fr-it-sk-LLDDDLL`, `us-ca-DLLLDDD`.
    private static func series(_ region: PlateRegion, _ pattern: String, _ issuers: [String]) -> PlateFormat {
        PlateFormat(name: region.rawValue + "-" + issuers.joined(separator: "-") + "-" + pattern, region: region,
                    positions: pattern.map { $0 == "L" ? .latinLetter : $0 == "D" ? .digit : .latinAlphanumeric },
                    kinds: [.latin])
    }

    /// Mainland China: ordinary (blue/yellow), new-energy (green), and the common special series.
    public static let cn: [PlateFormat] = [
        PlateFormat(name: "cn-ordinary", region: .cn,
                    positions: [.province, .cnLetter] + Array(repeating: .cnAlphanumeric, count: 5),
                    kinds: [.blue, .yellow, .black], mostLetters: 2),
        PlateFormat(name: "cn-new-energy", region: .cn,
                    positions: [.province, .cnLetter] + Array(repeating: .cnAlphanumeric, count: 6), kinds: [.green],
                    mostLetters: 2),
        PlateFormat(name: "cn-police", region: .cn,
                    positions: [.province, .cnLetter] + Array(repeating: .cnAlphanumeric, count: 4) + [.oneOf(["警"])],
                    kinds: [.white]),
        PlateFormat(name: "cn-learner", region: .cn,
                    positions: [.province, .cnLetter] + Array(repeating: .cnAlphanumeric, count: 4) + [.oneOf(["学"])],
                    kinds: [.yellow]),
    ]

    /// United States: the standard-issue series most cars carry (separators dropped), then 2 to 8 letters
    /// and digits for the rest (personalised, specialty and older plates).
    public static let us: [PlateFormat] = usSeries.map { series(.us, $0.pattern, $0.states) } + (2...8).map { latin(.us, $0) }

    /// Standard-issue US series by pattern, and states that issue or issued it (postal codes, lowercase):
    /// `tools/plategen.py` draws US labels from the same table.
    static let usSeries: [(pattern: String, states: [String])] = [
        ("LLLDDDD", ["tx", "ny", "pa", "oh", "ga", "nc", "mi", "va", "wa", "az", "wi"]), ("DLLLDDD", ["ca"]),
        ("LLDDDDD", ["il", "ct"]), ("LLLLDD", ["fl", "co"]), ("DDDLLL", ["older"]), ("LLLDDD", ["older"]),
        ("LDDLLL", ["nj"]), ("DLLDDDD", ["md"]), ("DLLLDD", ["ma"]), ("LLDLDDD", ["tx"]), ("LLDLDL", ["mo"]),
        ("DDDDLL", ["me"]), ("DDDDDDD", ["nh"]), ("DDDDDD", ["de", "ri"]),
    ]

    /// Europe: the current national series (separators dropped), then 4 to 9 letters and digits for
    /// the rest (older series, Austria, Ireland, personalised plates).
    public static let eu: [PlateFormat] = euNational.map { series(.eu, $0.pattern, $0.countries) } + (4...9).map { latin(.eu, $0) }

    /// Current national series by pattern, and the countries that issue it (ISO 3166 codes, lowercase).
    /// Germany's district + letters + digits (2–5 letters, 1–4 digits) is spelled out as patterns.
    static let euNational: [(pattern: String, countries: [String])] = {
        let table: [(String, String)] = [
            ("LLDDDLL", "fr it sk"), ("DDDDLLL", "es"), ("LLDDLLL", "gb ro"), ("DLLLDDD", "be"),
            ("DLADDDD", "cz"), ("LLDDDDD", "pl dk no"), ("LLDDDDL", "pl"), ("LLLDDLL", "pl"),
            ("LLLDDDD", "gr pl"), ("LLLDDD", "fi hu lt se"), ("LLLDDL", "se"), ("LLLLDDD", "hu"),
            ("DDDLLL", "ee"), ("LLDDDD", "lu lv pt"), ("LLDDDDLL", "bg hr"), ("LDDDDLL", "bg"),
            ("LDDLLL", "ro"), ("LDDDLLL", "ro"), ("DDLLDD", "pt"), ("LLDDLL", "pt"), ("DDDDLL", "pt"),
            ("DDLLLD", "nl"), ("DLLLDD", "nl"), ("LLDDDL", "nl"), ("LDDDLL", "nl"), ("LLLDDL", "nl"),
            ("DLLDDD", "nl"), ("DDDLLD", "nl"),
            ("LLDDD", "ch"), ("LLDDDDDD", "ch"),
        ]
        var countries: [String: [String]] = [:]
        var order: [String] = []
        func add(_ pattern: String, _ names: [String]) {
            if countries[pattern] == nil { order.append(pattern) }
            countries[pattern, default: []] += names.filter { !(countries[pattern] ?? []).contains($0) }
        }
        for (pattern, names) in table { add(pattern, names.split(separator: " ").map(String.init)) }
        for letters in 2...5 { for digits in 1...4 where (4...8).contains(letters + digits) {
            add(String(repeating: "L", count: letters) + String(repeating: "D", count: digits), ["de"])
        } }
        return order.map { ($0, countries[$0]!) }
    }()

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
