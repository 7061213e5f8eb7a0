import Foundation

/// Writes `.cpdm` model files for tests: the real format, with weights the test chooses.
enum TinyModel {
    struct Conv {
        var inChannels, outChannels, kh, kw: Int
        var padding = "same"
        var relu = false
        var weights: [Float]
        var bias: [Float]
    }

    static func data(width: Int, height: Int, charset: [String], convs: [Conv], magic: String = "CPDM1\n") -> Data {
        var blob: [Float] = []
        var layers: [[String: Any]] = []
        for conv in convs {
            layers.append(["type": "conv", "in": conv.inChannels, "out": conv.outChannels, "kh": conv.kh, "kw": conv.kw,
                           "padding": conv.padding, "relu": conv.relu, "weights": blob.count,
                           "bias": blob.count + conv.weights.count])
            blob += conv.weights + conv.bias
        }
        let header: [String: Any] = [
            "name": "tiny", "version": 1,
            "input": ["width": width, "height": height, "channels": 1, "mean": 0.5, "std": 0.5],
            "charset": charset, "layers": layers, "training": ["seed": 1],
        ]
        let json = try! JSONSerialization.data(withJSONObject: header)
        var data = Data(magic.utf8)
        var length = UInt32(json.count).littleEndian
        data.append(Data(bytes: &length, count: 4))
        data.append(json)
        for value in blob {
            var bits = value.bitPattern.littleEndian
            data.append(Data(bytes: &bits, count: 4))
        }
        return data
    }

    /// A model over 1×4 grey inputs whose class per column follows the pixel: dark → "A", bright → "B", mid → blank.
    static var darkBright: Data {
        // Normalised input x in [-1, 1]. Scores: blank = 0.5 - 2|x| (approx. via bias), A = -4x, B = 4x.
        data(width: 4, height: 1, charset: ["<blank>", "A", "B"], convs: [
            Conv(inChannels: 1, outChannels: 3, kh: 1, kw: 1, weights: [0, -4, 4], bias: [1.5, 0, 0]),
        ])
    }

    /// Reads every crop as "A", whatever it shows.
    static var alwaysA: Data {
        data(width: 8, height: 2, charset: ["<blank>", "A"], convs: [
            Conv(inChannels: 1, outChannels: 2, kh: 2, kw: 1, padding: "valid", weights: [0, 0, 0, 0], bias: [0, 5]),
        ])
    }

    /// A detector file: three 2×2 poolings (stride 8) then one 1×1 conv to the nine outputs. A cell is plate when
    /// it is bright; every plate cell says the plate's corners are ±`halfWidth` × ±`halfHeight` input pixels
    /// around it, so the cells' vote puts the quad around the bright region's centre.
    static func detector(halfWidth: Float, halfHeight: Float, kind: String = "detector", stride: Int = 8,
                         outputs: [String] = ["score", "x0", "y0", "x1", "y1", "x2", "y2", "x3", "y3"]) -> Data {
        let scale: Float = 32
        let corners: [Float] = [-halfWidth, -halfHeight, halfWidth, -halfHeight, halfWidth, halfHeight, -halfWidth, halfHeight]
        let weights: [Float] = [10] + Array(repeating: 0, count: 8)
        let bias: [Float] = [0] + corners.map { $0 / scale }
        var layers: [[String: Any]] = Array(repeating: ["type": "maxpool", "kh": 2, "kw": 2, "sh": 2, "sw": 2], count: 3)
        layers.append(["type": "conv", "in": 1, "out": 9, "kh": 1, "kw": 1, "padding": "same", "relu": false,
                       "weights": 0, "bias": weights.count])
        let header: [String: Any] = [
            "name": "tiny-detector", "version": 1, "kind": kind,
            "input": ["width": 0, "height": 0, "channels": 1, "mean": 0.5, "std": 0.5],
            "stride": stride, "geometry_scale": scale, "outputs": outputs, "layers": layers, "training": ["seed": 1],
        ]
        let json = try! JSONSerialization.data(withJSONObject: header)
        var data = Data("CPDM1\n".utf8)
        var length = UInt32(json.count).littleEndian
        data.append(Data(bytes: &length, count: 4))
        data.append(json)
        for value in weights + bias {
            var bits = value.bitPattern.littleEndian
            data.append(Data(bytes: &bits, count: 4))
        }
        return data
    }
}
