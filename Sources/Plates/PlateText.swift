/// Plate text as people and devices type it, made comparable.
public enum PlateText {
    /// Uppercase, without spaces, dots, hyphens or middle dots: `闽E·12345` → `闽E12345`.
    public static func canonical(_ raw: String) -> String {
        let dropped: Set<Character> = [" ", ".", "-", "·", "•", "・", "_"]
        return String(raw.uppercased().filter { !dropped.contains($0) && !$0.isWhitespace })
    }

    /// A plausible plate: 2 to 12 letters, digits or CJK characters once canonical.
    public static func isPlausible(_ canonical: String) -> Bool {
        (2...12).contains(canonical.count) && canonical.allSatisfy { $0.isLetter || $0.isNumber }
    }
}
