import Foundation

/// The character recogniser's weights, read from a `.cpdm` file (format in
/// `tools/README.md`): magic `CPDM1\n`, a little-endian UInt32 header length,
/// a JSON header (input size, charset, layers with float offsets), then
/// float32 weights. Everything is checked when loading, so a missing or
/// corrupt model fails at start with a clear message, not at the first frame.
public struct RecognizerModel: Sendable {
    public struct Input: Sendable, Equatable, Decodable {
        public let width: Int
        public let height: Int
        public let channels: Int
        public let mean: Float
        public let std: Float
    }

    public typealias Layer = ModelLayer
    public typealias Convolution = ModelConvolution

    public let name: String
    public let input: Input
    /// Index 0 is the CTC blank.
    public let charset: [Character]
    public let layers: [Layer]
    /// How often each province character began a training label (empty when the file does not say).
    /// The decoder divides it out, so a training set rich in one province does not bias reads towards it.
    public let provincePrior: [Character: Double]
    /// Free-form training facts from the header (seed, command, accuracy), for `--version` style output.
    public let training: [String: String]

    public init(contentsOf url: URL) throws(ModelError) {
        try self.init(data: try ModelFile.read(url), file: url.path)
    }

    public init(data: Data, file: String) throws(ModelError) {
        let container = try ModelFile(data: data, file: file)
        let kind = container.kind
        guard kind == nil || kind == "recognizer" else {
            throw ModelError(file: file, message: "is a \(kind!) model, not a character recogniser")
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: container.header)
        } catch {
            throw ModelError(file: file, message: "has an unreadable header: \(error)")
        }
        let layers = try container.layers(header.layers, inputChannels: header.input.channels)
        var channels = header.input.channels
        var height = header.input.height, width = header.input.width
        for (index, layer) in layers.enumerated() {
            switch layer {
            case .conv(let conv):
                channels = conv.outChannels
                if !conv.samePadding { height -= conv.kh - 1; width -= conv.kw - 1 }
            case .maxPool(let kh, let kw, let sh, let sw):
                height = (height - kh) / sh + 1
                width = (width - kw) / sw + 1
            }
            guard height > 0, width > 0 else { throw ModelError(file: file, message: "layer \(index) leaves no pixels") }
        }
        guard height == 1, channels == header.charset.count, header.charset.count > 1 else {
            throw ModelError(file: file, message: "must end in one row of \(header.charset.count) class scores per column")
        }
        let charset = header.charset.enumerated().map { index, text -> Character in
            index == 0 ? "\u{0}" : (text.first ?? "?")
        }
        name = header.name
        input = header.input
        self.charset = charset
        self.layers = layers
        training = (header.training ?? [:]).mapValues(\.description)
        var prior: [Character: Double] = [:]
        for (text, share) in header.priors?["province"] ?? [:] {
            guard let character = text.first, text.count == 1, share.isFinite, share > 0, share <= 1 else {
                throw ModelError(file: file, message: "has an invalid province prior for '\(text)'")
            }
            prior[character] = share
        }
        provincePrior = prior
        columns = width
    }

    /// Output time steps (columns) per crop.
    public let columns: Int

    private struct Header: Decodable {
        let name: String
        let input: Input
        let charset: [String]
        let layers: [ModelFile.LayerSpec]
        let training: [String: JSONScalar]?
        let priors: [String: [String: Double]]?
    }
}

/// A JSON number, string or bool, kept as text.
struct JSONScalar: Decodable, CustomStringConvertible {
    let description: String
    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(String.self) { description = value }
        else if let value = try? container.decode(Double.self) { description = String(value) }
        else if let value = try? container.decode(Bool.self) { description = String(value) }
        else { description = "…" }
    }
}

/// Why a model file cannot be used.
public struct ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let message: String
    public var description: String { "plate model \(file) \(message)" }

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }
}
