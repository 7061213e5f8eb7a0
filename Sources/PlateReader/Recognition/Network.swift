/// Runs a `RecognizerModel` on one crop. Convolutions are im2col + a
/// matrix product written so the compiler vectorises the inner loop over
/// contiguous pixels; all buffers are allocated once and reused, so reading a
/// plate allocates nothing per pixel. Not thread-safe: one per worker.
final class Network {
    let layers: [ModelLayer]
    private var bufferA: [Float] = []
    private var bufferB: [Float] = []
    private var columns: [Float] = []
    private var recognizer: RecognizerModel.Input?

    /// Per layer, conv weights regrouped as [outputs/4][k][4] so the inner loop reads four outputs' weights together.
    private let packed: [[Float]]

    convenience init(model: RecognizerModel) {
        self.init(layers: model.layers)
        recognizer = model.input
    }

    init(layers: [ModelLayer]) {
        self.layers = layers
        packed = layers.map { layer in
            guard case .conv(let c) = layer else { return [] }
            let k = c.inChannels * c.kh * c.kw
            var packed = [Float](repeating: 0, count: (c.outChannels + 3) / 4 * k * 4)
            for o in 0..<c.outChannels {
                for r in 0..<k { packed[((o / 4) * k + r) * 4 + o % 4] = c.weights[o * k + r] }
            }
            return packed
        }
    }

    /// The recogniser's pass: `input` is `channels × height × width` of the model's input size, already
    /// normalised. Returns scores `[column][class]`.
    func forward(_ input: [Float]) -> [[Float]] {
        guard let size = recognizer else { preconditionFailure("not a recogniser network") }
        precondition(input.count == size.height * size.width * size.channels)
        let (channels, _, width) = run(input, channels: size.channels, height: size.height, width: size.width)
        // bufferA: classes × 1 × columns → [column][class]
        return (0..<width).map { column in (0..<channels).map { bufferA[$0 * width + column] } }
    }

    /// Any-size pass (the detector's): returns the output's shape; its values are in `output` until the next call.
    func run(_ input: [Float], channels: Int, height: Int, width: Int) -> (channels: Int, height: Int, width: Int) {
        var height = height, width = width, channels = channels
        precondition(input.count >= height * width * channels)
        if bufferA.count < input.count { bufferA = [Float](repeating: 0, count: input.count) }
        bufferA.withUnsafeMutableBufferPointer { dst in
            input.withUnsafeBufferPointer { src in dst.baseAddress!.update(from: src.baseAddress!, count: input.count) }
        }
        for (index, layer) in layers.enumerated() {
            switch layer {
            case .conv(let conv):
                let outHeight = conv.samePadding ? height : height - conv.kh + 1
                let outWidth = conv.samePadding ? width : width - conv.kw + 1
                convolve(conv, packed: packed[index], height: height, width: width, outHeight: outHeight, outWidth: outWidth)
                height = outHeight
                width = outWidth
                channels = conv.outChannels
            case .maxPool(let kh, let kw, let sh, let sw):
                let outHeight = (height - kh) / sh + 1, outWidth = (width - kw) / sw + 1
                pool(channels: channels, height: height, width: width, kh: kh, kw: kw, sh: sh, sw: sw,
                     outHeight: outHeight, outWidth: outWidth)
                height = outHeight
                width = outWidth
            }
            swap(&bufferA, &bufferB)
        }
        return (channels, height, width)
    }

    /// The last `run`'s output, `channels × height × width`.
    var output: [Float] { bufferA }

    private func convolve(_ conv: ModelConvolution, packed: [Float], height: Int, width: Int, outHeight: Int, outWidth: Int) {
        let k = conv.inChannels * conv.kh * conv.kw
        let pixels = outHeight * outWidth
        if columns.count < k * pixels { columns = [Float](repeating: 0, count: k * pixels) }
        if bufferB.count < conv.outChannels * pixels { bufferB = [Float](repeating: 0, count: conv.outChannels * pixels) }
        let padTop = conv.samePadding ? (conv.kh - 1) / 2 : 0
        let padLeft = conv.samePadding ? (conv.kw - 1) / 2 : 0
        bufferA.withUnsafeBufferPointer { src in
            columns.withUnsafeMutableBufferPointer { col in
                // im2col: row r = (c, dy, dx), column p = output pixel.
                var row = 0
                for c in 0..<conv.inChannels {
                    let plane = c * height * width
                    for dy in 0..<conv.kh {
                        for dx in 0..<conv.kw {
                            let base = row * pixels
                            for oy in 0..<outHeight {
                                let y = oy + dy - padTop
                                let out = base + oy * outWidth
                                guard y >= 0 && y < height else {
                                    for ox in 0..<outWidth { col[out + ox] = 0 }
                                    continue
                                }
                                let line = plane + y * width
                                for ox in 0..<outWidth {
                                    let x = ox + dx - padLeft
                                    col[out + ox] = (x >= 0 && x < width) ? src[line + x] : 0
                                }
                            }
                            row += 1
                        }
                    }
                }
            }
        }
        columns.withUnsafeBufferPointer { col in
            packed.withUnsafeBufferPointer { w in
                bufferB.withUnsafeMutableBufferPointer { out in
                    Self.multiply(columns: col.baseAddress!, packed: w.baseAddress!, bias: conv.bias, relu: conv.relu,
                                  outputs: conv.outChannels, k: k, pixels: pixels, into: out.baseAddress!)
                }
            }
        }
    }

    /// out[o][p] = bias[o] + Σ_r W[o][r] · col[r][p]: a 4-output × 16-pixel block is accumulated
    /// in registers over the whole of k, so each column value is loaded once per four outputs.
    private static func multiply(columns col: UnsafePointer<Float>, packed w: UnsafePointer<Float>, bias: [Float],
                                 relu: Bool, outputs: Int, k: Int, pixels: Int, into out: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        let raw = UnsafeRawPointer(col)
        for group in 0..<((outputs + 3) / 4) {
            let o0 = group * 4
            let weights = w + group * k * 4
            let b = (0..<4).map { o0 + $0 < outputs ? bias[o0 + $0] : 0 }
            var p = 0
            while p + 16 <= pixels {
                var a0 = V(repeating: b[0]), a1 = a0, c0 = V(repeating: b[1]), c1 = c0
                var d0 = V(repeating: b[2]), d1 = d0, e0 = V(repeating: b[3]), e1 = e0
                for r in 0..<k {
                    let base = (r * pixels + p) * MemoryLayout<Float>.stride
                    let s0 = raw.loadUnaligned(fromByteOffset: base, as: V.self)
                    let s1 = raw.loadUnaligned(fromByteOffset: base + 32, as: V.self)
                    let wr = weights + r * 4
                    let w0 = wr[0], w1 = wr[1], w2 = wr[2], w3 = wr[3]
                    a0 += s0 * w0; a1 += s1 * w0
                    c0 += s0 * w1; c1 += s1 * w1
                    d0 += s0 * w2; d1 += s1 * w2
                    e0 += s0 * w3; e1 += s1 * w3
                }
                let blocks = [(a0, a1), (c0, c1), (d0, d1), (e0, e1)]
                for i in 0..<4 where o0 + i < outputs {
                    var (x0, x1) = blocks[i]
                    if relu {
                        x0 = x0.replacing(with: 0, where: x0 .< 0)
                        x1 = x1.replacing(with: 0, where: x1 .< 0)
                    }
                    let dst = UnsafeMutableRawPointer(out + (o0 + i) * pixels + p)
                    dst.storeBytes(of: x0, as: V.self)
                    (dst + 32).storeBytes(of: x1, as: V.self)
                }
                p += 16
            }
            // Leftover pixels, one at a time.
            while p < pixels {
                for i in 0..<4 where o0 + i < outputs {
                    var sum = b[i]
                    for r in 0..<k { sum += weights[r * 4 + i] * col[r * pixels + p] }
                    out[(o0 + i) * pixels + p] = relu ? max(0, sum) : sum
                }
                p += 1
            }
        }
    }

    private func pool(channels: Int, height: Int, width: Int, kh: Int, kw: Int, sh: Int, sw: Int,
                      outHeight: Int, outWidth: Int) {
        let count = channels * outHeight * outWidth
        if bufferB.count < count { bufferB = [Float](repeating: 0, count: count) }
        bufferA.withUnsafeBufferPointer { src in
            bufferB.withUnsafeMutableBufferPointer { out in
                for c in 0..<channels {
                    for oy in 0..<outHeight {
                        for ox in 0..<outWidth {
                            var best = -Float.infinity
                            for dy in 0..<kh {
                                let line = (c * height + oy * sh + dy) * width + ox * sw
                                for dx in 0..<kw { best = max(best, src[line + dx]) }
                            }
                            out[(c * outHeight + oy) * outWidth + ox] = best
                        }
                    }
                }
            }
        }
    }
}
