/// Characters a reader (or a person) mistakes for one another. Used two ways:
/// to fix a read where a format position allows only letters or only digits,
/// and (watchlists) to match a read against a list with an explicit cost.
public enum Confusions {
    /// Groups of look-alikes: 0/O/D/Q, 1/I/T/L, 2/Z, 5/S, 8/B, 6/G, 7/T.
    public static let groups: [Set<Character>] = [
        ["0", "O", "D", "Q", "U"], ["1", "I", "T", "L", "J"], ["2", "Z"], ["5", "S"], ["8", "B"], ["6", "G"], ["7", "T"],
        ["4", "A"], ["M", "N"], ["V", "Y"],
    ]

    /// Whether `a` and `b` are look-alikes (or equal).
    public static func confusable(_ a: Character, _ b: Character) -> Bool {
        a == b || groups.contains { $0.contains(a) && $0.contains(b) }
    }

    /// The look-alike of `character` that `allowed` admits, if any (first group order wins).
    public static func substitute(_ character: Character, allowedBy allowed: CharacterClass) -> Character? {
        if allowed.allows(character) { return character }
        for group in groups where group.contains(character) {
            // Deterministic: prefer digits, then letters in alphabetical order.
            for candidate in group.sorted(by: Self.preference) where allowed.allows(candidate) { return candidate }
        }
        return nil
    }

    private static func preference(_ a: Character, _ b: Character) -> Bool {
        if a.isNumber != b.isNumber { return a.isNumber }
        return a < b
    }
}
