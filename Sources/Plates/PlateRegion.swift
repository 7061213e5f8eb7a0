/// Where a plate comes from, which decides the formats it may take.
public enum PlateRegion: String, Sendable, Equatable, CaseIterable, Codable {
    /// Mainland China.
    case cn
    /// United States: the standard-issue state series, then any 2–8 letters and digits.
    case us
    /// Europe: the current national series, then any 4–9 letters and digits.
    case eu
}

/// Plate colour and kind, as far as the picture tells.
public enum PlateKind: String, Sendable, Equatable, CaseIterable, Codable {
    /// cn: ordinary small vehicles (white on blue).
    case blue
    /// cn: large vehicles, coaches, learner cars (black on yellow).
    case yellow
    /// cn: new-energy vehicles (black on green gradient).
    case green
    /// cn: police and military (black/red on white).
    case white
    /// cn: foreign-owned and consular vehicles (white on black).
    case black
    /// Latin plates (us, eu): colours vary by state and country.
    case latin
    /// cn: the frame carries no colour (an infrared or monochrome camera), so the plate's colour is not known.
    case unknown

    /// A Chinese plate's colour, as a camera or the reader names it (`blue`, `Yellow`); nil for other names,
    /// `latin` and `unknown`, which say nothing of the plate.
    public init?(colourName name: String) {
        guard let kind = PlateKind(rawValue: name.lowercased()), kind.isColour else { return nil }
        self = kind
    }

    /// Whether this names the plate's colour (blue, yellow, green, white, black).
    public var isColour: Bool { self != .latin && self != .unknown }

    /// The names `init(colourName:)` takes, for error messages.
    public static var colourNames: String { allCases.filter(\.isColour).map(\.rawValue).joined(separator: ", ") }
}
