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

    public enum Layer: Sendable {
        case conv(Convolution)
        case maxPool(kh: Int, kw: Int, sh: Int, sw: Int)
    }

    /// A 2-D convolution with batch-norm folded in; weights OIHW.
    public struct Convolution: Sendable {
        public let inChannels, outChannels, kh, kw: Int
        public let samePadding: Bool
        public let relu: Bool
        public let weights: [Float]
        public let bias: [Float]
    }

    public let name: String
    public let input: Input
    /// Index 0 is the CTC blank.
    public let charset: [Character]
    public let layers: [Layer]
    /// Free-form training facts from the header (seed, command, accuracy), for `--version` style output.
    public let training: [String: String]

    public init(contentsOf url: URL) throws(ModelError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelError(file: url.path, message: "cannot be read (\(error.localizedDescription))")
        }
        try self.init(data: data, file: url.path)
    }

    public init(data: Data, file: String) throws(ModelError) {
        let bytes = [UInt8](data)
        let magic = Array("CPDM1\n".utf8)
        guard bytes.count >= magic.count + 4, Array(bytes.prefix(magic.count)) == magic else {
            throw ModelError(file: file, message: "is not a checkpointd model (bad magic)")
        }
        let lengthOffset = magic.count
        let headerLength = Int(bytes[lengthOffset]) | Int(bytes[lengthOffset + 1]) << 8
            | Int(bytes[lengthOffset + 2]) << 16 | Int(bytes[lengthOffset + 3]) << 24
        let headerStart = lengthOffset + 4
        guard headerLength > 0, headerStart + headerLength <= bytes.count else {
            throw ModelError(file: file, message: "is truncated (header)")
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[headerStart..<(headerStart + headerLength)]))
        } catch {
            throw ModelError(file: file, message: "has an unreadable header: \(error)")
        }
        let blobStart = headerStart + headerLength
        let floatCount = (bytes.count - blobStart) / 4
        let blob: [Float] = bytes.withUnsafeBytes { raw in
            (0..<floatCount).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: blobStart + 4 * $0, as: UInt32.self).littleEndian) }
        }
        func slice(_ offset: Int?, _ count: Int, _ what: String) throws(ModelError) -> [Float] {
            guard let offset, offset >= 0, offset + count <= blob.count else {
                throw ModelError(file: file, message: "is truncated or inconsistent (\(what))")
            }
            let values = Array(blob[offset..<(offset + count)])
            guard values.allSatisfy(\.isFinite) else { throw ModelError(file: file, message: "has non-finite weights (\(what))") }
            return values
        }

        var layers: [Layer] = []
        var channels = header.input.channels
        var height = header.input.height, width = header.input.width
        for (index, layer) in header.layers.enumerated() {
            switch layer.type {
            case "conv":
                guard let inC = layer.in, let outC = layer.out, let kh = layer.kh, let kw = layer.kw,
                      inC == channels, outC > 0, kh > 0, kw > 0 else {
                    throw ModelError(file: file, message: "layer \(index): conv shape does not follow the previous layer")
                }
                let same = (layer.padding ?? "same") == "same"
                let weights = try slice(layer.weights, outC * inC * kh * kw, "layer \(index) weights")
                let bias = try slice(layer.bias, outC, "layer \(index) bias")
                layers.append(.conv(Convolution(inChannels: inC, outChannels: outC, kh: kh, kw: kw, samePadding: same,
                                                relu: layer.relu ?? false, weights: weights, bias: bias)))
                channels = outC
                if !same { height -= kh - 1; width -= kw - 1 }
            case "maxpool":
                guard let kh = layer.kh, let kw = layer.kw, let sh = layer.sh, let sw = layer.sw,
                      kh > 0, kw > 0, sh > 0, sw > 0 else {
                    throw ModelError(file: file, message: "layer \(index): maxpool needs kh, kw, sh, sw")
                }
                layers.append(.maxPool(kh: kh, kw: kw, sh: sh, sw: sw))
                height = (height - kh) / sh + 1
                width = (width - kw) / sw + 1
            default:
                throw ModelError(file: file, message: "layer \(index): unknown type '\(layer.type)'")
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
        columns = width
    }

    /// Output time steps (columns) per crop.
    public let columns: Int

    private struct Header: Decodable {
        struct LayerSpec: Decodable {
            let type: String
            let `in`: Int?
            let out: Int?
            let kh: Int?
            let kw: Int?
            let sh: Int?
            let sw: Int?
            let padding: String?
            let relu: Bool?
            let weights: Int?
            let bias: Int?
        }
        let name: String
        let input: Input
        let charset: [String]
        let layers: [LayerSpec]
        let training: [String: JSONScalar]?
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
}
