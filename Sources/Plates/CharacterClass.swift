/// What may stand at one position of a plate format.
public enum CharacterClass: Sendable, Equatable {
    /// One of the 31 mainland province abbreviations (京, 沪, 粤, …).
    case province
    /// A letter as used on Chinese plates (A–Z without I and O).
    case cnLetter
    /// A letter or digit as used on Chinese plates (no I or O).
    case cnAlphanumeric
    /// 0–9.
    case digit
    /// A–Z (the letter positions of a national Latin format).
    case latinLetter
    /// A–Z or 0–9 (Latin plates).
    case latinAlphanumeric
    /// Exactly these characters (e.g. 警 for police plates).
    case oneOf(Set<Character>)

    public static let provinces: [Character] = Array("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")

    /// A setting's list of provinces (`湘鄂`, `湘, 鄂`): the province characters, each once, and whatever in
    /// `text` is not one (for the setting's error message).
    public static func provinces(in text: String) -> (provinces: [Character], unknown: String) {
        let characters = text.filter { !$0.isWhitespace && $0 != "," }
        var seen = Set<Character>()
        return (characters.filter { provinceSet.contains($0) && seen.insert($0).inserted },
                String(characters.filter { !provinceSet.contains($0) }))
    }
    static let provinceSet = Set(provinces)
    static let digits = Set("0123456789")
    static let latinLetters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    static let cnLetters = latinLetters.subtracting("IO")

    /// Whether it admits both letters and digits (where a format's letter limit counts).
    public var isLetterOrDigit: Bool { letterOrDigit != nil }

    /// The letter and the digit class it is made of, for a class that admits both.
    public var letterOrDigit: (letter: CharacterClass, digit: CharacterClass)? {
        switch self {
        case .cnAlphanumeric: (.cnLetter, .digit)
        case .latinAlphanumeric: (.latinLetter, .digit)
        default: nil
        }
    }

    public func allows(_ character: Character) -> Bool {
        switch self {
        case .province: Self.provinceSet.contains(character)
        case .cnLetter: Self.cnLetters.contains(character)
        case .cnAlphanumeric: Self.cnLetters.contains(character) || Self.digits.contains(character)
        case .digit: Self.digits.contains(character)
        case .latinLetter: Self.latinLetters.contains(character)
        case .latinAlphanumeric: Self.latinLetters.contains(character) || Self.digits.contains(character)
        case .oneOf(let set): set.contains(character)
        }
    }
}
