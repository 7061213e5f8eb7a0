import Plates

/// One plate read in one frame: what the reader saw, how sure it is, and where.
public struct PlateRead: Sendable, Equatable {
    /// Canonical text, fitted to the region's formats where it could be (`闽E12345`).
    public var text: String
    /// What the recogniser emitted before fitting to a format.
    public var rawText: String
    /// 0–1: the mean of the per-character confidences, lowered when no format fits.
    public var confidence: Double
    public var characters: [CharacterRead]
    /// Other plausible texts, best first.
    public var alternatives: [String]
    /// Where the plate is in the frame (full-resolution pixels).
    public var quad: Quadrilateral
    public var kind: PlateKind
    public var region: PlateRegion?
    /// The format the text fits (e.g. `cn-ordinary`), if any.
    public var format: String?
    /// Where the characters are across the crop that was read (0–1 of its width), for re-cropping.
    var textSpan: ClosedRange<Double> = 0...1

    /// A read from elsewhere (a camera that reads plates itself, a test): per-character confidences
    /// default to the read's own.
    public init(text: String, rawText: String? = nil, confidence: Double, characters: [CharacterRead]? = nil,
                alternatives: [String] = [], quad: Quadrilateral, kind: PlateKind, region: PlateRegion? = nil,
                format: String? = nil) {
        self.text = text
        self.rawText = rawText ?? text
        self.confidence = confidence
        self.characters = characters ?? text.map { CharacterRead(character: $0, confidence: Float(confidence), alternatives: []) }
        self.alternatives = alternatives
        self.quad = quad
        self.kind = kind
        self.region = region
        self.format = format
    }

    init(text: String, rawText: String, confidence: Double, characters: [CharacterRead], alternatives: [String],
         quad: Quadrilateral, kind: PlateKind, region: PlateRegion?, format: String?, textSpan: ClosedRange<Double>) {
        self.init(text: text, rawText: rawText, confidence: confidence, characters: characters, alternatives: alternatives,
                  quad: quad, kind: kind, region: region, format: format)
        self.textSpan = textSpan
    }
}
