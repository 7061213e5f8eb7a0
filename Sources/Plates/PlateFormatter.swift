/// Fits raw reads to the formats of the camera's regions: exact fits first,
/// then fits after replacing look-alikes that a position does not allow
/// (a 0 in the letter position of a Chinese plate becomes D, an O among the
/// digits becomes 0). A read that fits no format keeps its text and ranks lower.
public struct PlateFormatter: Sendable {
    public let formats: [PlateFormat]

    public init(regions: [PlateRegion]) {
        formats = PlateFormat.formats(for: regions)
    }

    public struct Fit: Sendable, Equatable {
        public var text: String
        public var format: PlateFormat?
        /// Positions changed to fit (0 when the read already fitted).
        public var corrections: Int
    }

    /// The best fit of canonical `text`; with per-position alternatives (best first) when the reader has them.
    public func fit(_ text: String, alternatives: [[Character]] = []) -> Fit {
        let characters = Array(text)
        var best: Fit?
        for format in formats where format.length == characters.count {
            var fitted: [Character] = []
            var corrections = 0
            for (index, allowed) in format.positions.enumerated() {
                let character = characters[index]
                if allowed.allows(character) {
                    fitted.append(character)
                    continue
                }
                let fromReader = index < alternatives.count ? alternatives[index].first(where: allowed.allows) : nil
                guard let replacement = fromReader ?? Confusions.substitute(character, allowedBy: allowed) else {
                    fitted = []
                    break
                }
                fitted.append(replacement)
                corrections += 1
            }
            guard fitted.count == format.length, format.keepsLetterLimit(fitted) else { continue }
            if best == nil || corrections < best!.corrections {
                best = Fit(text: String(fitted), format: format, corrections: corrections)
            }
        }
        return best ?? Fit(text: text, format: nil, corrections: 0)
    }
}
