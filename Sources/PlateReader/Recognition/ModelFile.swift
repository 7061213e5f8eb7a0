import Foundation

/// One layer of a plate model: what `Network` runs.
public enum ModelLayer: Sendable {
    case conv(ModelConvolution)
    case maxPool(kh: Int, kw: Int, sh: Int, sw: Int)
}

/// A 2-D convolution with batch-norm folded in; weights OIHW.
public struct ModelConvolution: Sendable {
    public let inChannels, outChannels, kh, kw: Int
    public let samePadding: Bool
    public let relu: Bool
    public let weights: [Float]
    public let bias: [Float]
}

/// The `.cpdm` container both plate models use (format in `tools/README.md`): magic
/// `CPDM1\n`, a little-endian UInt32 header length, a JSON header, then float32
/// weights. Each model decodes its own header; the layers are checked here, so a
/// truncated or inconsistent file fails at load with the reason.
struct ModelFile {
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

    let file: String
    /// The JSON header, undecoded.
    let header: Data
    let blob: [Float]

    /// The file's bytes, or an error naming it.
    static func read(_ url: URL) throws(ModelError) -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw ModelError(file: url.path, message: "cannot be read (\(error.localizedDescription))")
        }
    }

    init(data: Data, file: String) throws(ModelError) {
        self.file = file
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
        header = Data(bytes[headerStart..<(headerStart + headerLength)])
        let blobStart = headerStart + headerLength
        let floatCount = (bytes.count - blobStart) / 4
        blob = bytes.withUnsafeBytes { raw in
            (0..<floatCount).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: blobStart + 4 * $0, as: UInt32.self).littleEndian) }
        }
    }

    /// The header's `kind` (`detector`; absent or `recognizer` for the recogniser), so a file given in the
    /// wrong place is named as such.
    var kind: String? {
        struct Kind: Decodable { let kind: String? }
        return (try? JSONDecoder().decode(Kind.self, from: header))?.kind
    }

    /// The layers, each following the previous one's channels, with their weights sliced out of the blob.
    func layers(_ specs: [LayerSpec], inputChannels: Int) throws(ModelError) -> [ModelLayer] {
        func slice(_ offset: Int?, _ count: Int, _ what: String) throws(ModelError) -> [Float] {
            guard let offset, offset >= 0, offset + count <= blob.count else {
                throw ModelError(file: file, message: "is truncated or inconsistent (\(what))")
            }
            let values = Array(blob[offset..<(offset + count)])
            guard values.allSatisfy(\.isFinite) else { throw ModelError(file: file, message: "has non-finite weights (\(what))") }
            return values
        }
        var layers: [ModelLayer] = []
        var channels = inputChannels
        for (index, layer) in specs.enumerated() {
            switch layer.type {
            case "conv":
                guard let inC = layer.in, let outC = layer.out, let kh = layer.kh, let kw = layer.kw,
                      inC == channels, outC > 0, kh > 0, kw > 0 else {
                    throw ModelError(file: file, message: "layer \(index): conv shape does not follow the previous layer")
                }
                let same = (layer.padding ?? "same") == "same"
                let weights = try slice(layer.weights, outC * inC * kh * kw, "layer \(index) weights")
                let bias = try slice(layer.bias, outC, "layer \(index) bias")
                layers.append(.conv(ModelConvolution(inChannels: inC, outChannels: outC, kh: kh, kw: kw, samePadding: same,
                                                     relu: layer.relu ?? false, weights: weights, bias: bias)))
                channels = outC
            case "maxpool":
                guard let kh = layer.kh, let kw = layer.kw, let sh = layer.sh, let sw = layer.sw,
                      kh > 0, kw > 0, sh > 0, sw > 0 else {
                    throw ModelError(file: file, message: "layer \(index): maxpool needs kh, kw, sh, sw")
                }
                layers.append(.maxPool(kh: kh, kw: kw, sh: sh, sw: sw))
            default:
                throw ModelError(file: file, message: "layer \(index): unknown type '\(layer.type)'")
            }
        }
        guard !layers.isEmpty else { throw ModelError(file: file, message: "has no layers") }
        return layers
    }
}
