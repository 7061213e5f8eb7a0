import Foundation
import Imaging
import Plates

/// Frames in, plate reads out: find plate-like regions on a downscaled frame,
/// read each at full resolution with the character recogniser, fit the text
/// to the camera's region formats, keep the confident ones.
///
/// ```swift
/// let model = try RecognizerModel(contentsOf: PlateReader.bundledModelURL)   // fails at start, not at the first frame
/// let reader = PlateReader(model: model, regions: [.cn])
/// let reads = reader.read(frame.image)
/// ```
/// One reader per thread (it reuses its buffers); the model can be shared.
public final class PlateReader {
    public struct Settings: Sendable {
        public var regions: [PlateRegion]
        /// Smallest plate width worth reading, in frame pixels.
        public var minPlateWidth: Int
        /// Reads below this confidence are dropped.
        public var minConfidence: Double
        /// Most candidate regions sent to the recogniser per frame.
        public var maxCandidates: Int

        public init(regions: [PlateRegion] = [.cn], minPlateWidth: Int = 40, minConfidence: Double = 0.6,
                    maxCandidates: Int = 6) {
            self.regions = regions
            self.minPlateWidth = minPlateWidth
            self.minConfidence = minConfidence
            self.maxCandidates = maxCandidates
        }
    }

    public let settings: Settings
    private let model: RecognizerModel
    private let network: Network
    private let formatter: PlateFormatter
    private let detector = PlateDetector()
    private var input: [Float] = []

    public init(model: RecognizerModel, settings: Settings = Settings()) {
        self.model = model
        self.settings = settings
        network = Network(model: model)
        formatter = PlateFormatter(regions: settings.regions)
        detector.minPlateWidth = settings.minPlateWidth
        detector.maxCandidates = settings.maxCandidates
    }

    /// The model shipped with checkpointd.
    public static var bundledModelURL: URL? {
        Bundle.module.url(forResource: "recognizer", withExtension: "cpdm")
    }

    /// Every plate found in the frame, most confident first.
    public func read(_ image: YCbCrImage) -> [PlateRead] {
        guard image.width >= 16, image.height >= 8 else { return [] }
        let candidates = detector.candidates(in: image, colour: settings.regions.contains(.cn))
        var reads: [PlateRead] = []
        for candidate in candidates {
            // A stroke band is the characters, a colour region the whole plate; the recogniser
            // was trained with a little plate border around the characters.
            let edges = candidate.source == "edges"
            let marginX = candidate.width * (edges ? 0.08 : 0.03), marginY = candidate.height * (edges ? 0.25 : 0.08)
            let quad = Quadrilateral(x: max(0, candidate.x - marginX), y: max(0, candidate.y - marginY),
                                     width: min(Double(image.width), candidate.width + 2 * marginX),
                                     height: min(Double(image.height), candidate.height + 2 * marginY))
            guard let read = recognise(image, quad: quad), read.confidence >= settings.minConfidence else { continue }
            if let index = reads.firstIndex(where: { intersectionOverUnion($0.quad.boundingBox, read.quad.boundingBox) > 0.3 }) {
                if read.confidence > reads[index].confidence { reads[index] = read }
                continue
            }
            reads.append(read)
        }
        return reads.sorted { $0.confidence > $1.confidence }
    }

    /// Reads an image that is already a plate crop (pushed by an LPR camera, or a crop data set).
    public func readCrop(_ image: YCbCrImage) -> PlateRead? {
        guard image.width >= 8, image.height >= 4 else { return nil }
        return recognise(image, quad: Quadrilateral(x: 0, y: 0, width: Double(image.width), height: Double(image.height)))
    }

    private func recognise(_ image: YCbCrImage, quad: Quadrilateral) -> PlateRead? {
        CropSampler.sample(image.luma, quad: quad, width: model.input.width, height: model.input.height,
                           mean: model.input.mean, std: model.input.std, into: &input)
        let characters = CTCDecoder.decode(network.forward(input), charset: model.charset)
        guard !characters.isEmpty else { return nil }
        let raw = String(characters.map(\.character))
        let fit = formatter.fit(raw, alternatives: characters.map { [$0.character] + $0.alternatives.map(\.0) })
        var confidence = Double(characters.map(\.confidence).reduce(0, +)) / Double(characters.count)
        if fit.format == nil { confidence *= 0.5 }
        confidence *= pow(0.9, Double(fit.corrections))
        let kind = PlateColour.classify(image, quad: quad, region: fit.format?.region)
        return PlateRead(text: fit.text, rawText: raw, confidence: confidence, characters: characters,
                         alternatives: alternatives(characters, best: fit.text), quad: quad, kind: kind,
                         region: fit.format?.region, format: fit.format?.name)
    }

    /// Texts that differ from the best in the single least certain position.
    private func alternatives(_ characters: [CharacterRead], best: String) -> [String] {
        guard let weakest = characters.indices.min(by: { characters[$0].confidence < characters[$1].confidence }) else { return [] }
        var texts: [String] = []
        for (candidate, _) in characters[weakest].alternatives.prefix(3) {
            var chars = Array(best)
            guard weakest < chars.count else { break }
            chars[weakest] = candidate
            let text = formatter.fit(String(chars)).text
            if text != best && !texts.contains(text) { texts.append(text) }
        }
        return texts
    }
}
