import Foundation

/// The plate detector's weights (a `.cpdm` file of kind `detector`, trained by
/// `tools/train_detector.py`): a small fully convolutional network that marks,
/// for every `stride`-pixel cell of a downscaled frame, how likely it lies on
/// a plate and where that plate's four corners are. Checked when loading, so a
/// bad file fails at start.
public struct DetectorModel: Sendable {
    public let name: String
    public let mean: Float
    public let std: Float
    /// Input pixels per output cell.
    public let stride: Int
    /// Corner offsets are predicted in units of this many input pixels.
    public let geometryScale: Float
    public let layers: [ModelLayer]
    public let training: [String: String]

    public init(contentsOf url: URL) throws(ModelError) {
        try self.init(data: try ModelFile.read(url), file: url.path)
    }

    public init(data: Data, file: String) throws(ModelError) {
        let container = try ModelFile(data: data, file: file)
        guard container.kind == "detector" else {
            throw ModelError(file: file, message: "is not a plate detector (kind \(container.kind ?? "missing"))")
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: container.header)
        } catch {
            throw ModelError(file: file, message: "has an unreadable header: \(error)")
        }
        guard header.input.channels == 1, header.outputs == Self.outputs else {
            throw ModelError(file: file, message: "must take one grey channel and output \(Self.outputs.joined(separator: ","))")
        }
        let layers = try container.layers(header.layers, inputChannels: 1)
        var scale = 1, channels = 1
        for layer in layers {
            switch layer {
            case .conv(let conv):
                // Same padding with odd kernels, or a 1×1 (where "valid" is the same thing).
                guard (conv.samePadding && conv.kh % 2 == 1 && conv.kw % 2 == 1) || (conv.kh == 1 && conv.kw == 1) else {
                    throw ModelError(file: file, message: "detector convolutions must keep the size (odd, same padding)")
                }
                channels = conv.outChannels
            case .maxPool(let kh, let kw, let sh, let sw):
                guard kh == sh, kw == sw, sh == sw else {
                    throw ModelError(file: file, message: "detector pooling must be square and not overlap")
                }
                scale *= sh
            }
        }
        guard scale == header.stride, channels == Self.outputs.count else {
            throw ModelError(file: file, message: "layers give stride \(scale) and \(channels) outputs, header says \(header.stride)")
        }
        guard header.geometryScale.isFinite, header.geometryScale > 0 else {
            throw ModelError(file: file, message: "has an invalid geometry_scale")
        }
        name = header.name
        mean = header.input.mean
        std = header.input.std
        stride = header.stride
        geometryScale = header.geometryScale
        self.layers = layers
        training = (header.training ?? [:]).mapValues(\.description)
    }

    static let outputs = ["score", "x0", "y0", "x1", "y1", "x2", "y2", "x3", "y3"]

    private struct Header: Decodable {
        struct Input: Decodable {
            let channels: Int
            let mean: Float
            let std: Float
        }
        let name: String
        let input: Input
        let stride: Int
        let geometryScale: Float
        let outputs: [String]
        let layers: [ModelFile.LayerSpec]
        let training: [String: JSONScalar]?

        enum CodingKeys: String, CodingKey {
            case name, input, stride, outputs, layers, training
            case geometryScale = "geometry_scale"
        }
    }
}
