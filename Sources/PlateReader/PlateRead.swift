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
}
