import CPlateKernels

/// Runs a plate model's layers. 3×3 convolutions (most of the work) run in C on the CPU's vectors: directly,
/// on bfloat16 products where the CPU has AVX-512 BF16, by Winograd's F(2×2, 3×3) where the input has enough
/// channels, or fused with the 2×2 pooling after them (the kernels say which is faster on this CPU); other
/// convolutions are im2col + a matrix product (`cpd_conv_gemm`). All buffers are allocated once and reused, so
/// reading a plate allocates nothing per pixel. Not thread-safe: one per worker.
final class Network {
    let layers: [ModelLayer]
    private var bufferA: [Float] = []
    private var bufferB: [Float] = []
    private var columns: [Float] = []
    private var recognizer: RecognizerModel.Input?
    /// Whether `bufferA` holds its planes with a one-pixel zero border (written so by the layer before a 3×3
    /// convolution), rather than packed.
    private var bordered = false

    /// Per layer, conv weights regrouped as [outputs/4][k][4] so the inner loop reads four outputs' weights together.
    private let packed: [[Float]]
    /// Per layer: whether it is a 3×3 same convolution (the direct kernel), and whether the layer after it is
    /// one, so it writes its output with the zero border that one reads. Fixed by the model: worked out once.
    private let threeByThree: [Bool]
    private let bordersOutput: [Bool]
    /// Per layer: its weights transformed for the Winograd kernel, where this CPU runs that layer faster so
    /// (`cpd_conv3x3_prefers_winograd`); empty where the direct kernel runs it.
    private let winograd: [[Float]]
    /// Per layer: its weights rounded to bfloat16 and paired by input channel, where this CPU runs that layer on
    /// bfloat16 products (`cpd_conv3x3_prefers_bf16`: about half the instructions); empty elsewhere.
    private let bf16: [[UInt32]]
    /// Per layer: the same for a convolution that runs as a matrix product (`cpd_conv_gemm_prefers_bf16`).
    private let bf16Matrix: [[UInt32]]
    /// The bfloat16 kernels' working memory (the layer's input converted), grown to the largest layer seen.
    private var bf16Scratch: [UInt32] = []
    /// Per layer: whether it is a direct 3×3 convolution that runs fused with the 2×2 pooling after it
    /// (`cpd_conv3x3_pool2_strided`, or `cpd_conv3x3_bf16_pool2` on AMX tiles: its full-size output never goes to
    /// memory), where this CPU runs that faster.
    private let fusesPool: [Bool]
    /// The Winograd kernel's working memory (one row of transformed tiles), grown to the widest layer seen.
    private var scratch: [Float] = []

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
        threeByThree = layers.map(Self.isConv3x3)
        let bf16: [[UInt32]] = layers.map { layer in
            guard Self.isConv3x3(layer), case .conv(let c) = layer, cpd_conv3x3_prefers_bf16(Int32(c.inChannels)) != 0
            else { return [] }
            var paired = [UInt32](repeating: 0, count: cpd_bf16_weight_words(Int32(c.inChannels), Int32(c.outChannels)))
            cpd_bf16_weights(c.weights, Int32(c.inChannels), Int32(c.outChannels), &paired)
            return paired
        }
        self.bf16 = bf16
        bf16Matrix = layers.map { layer in
            guard !Self.isConv3x3(layer), case .conv(let c) = layer, c.kh * c.kw > 1 else { return [] }
            let k = c.inChannels * c.kh * c.kw
            guard cpd_conv_gemm_prefers_bf16(Int32(k)) != 0 else { return [] }
            var paired = [UInt32](repeating: 0, count: cpd_bf16_gemm_weight_words(Int32(k), Int32(c.outChannels)))
            cpd_bf16_gemm_weights(c.weights, Int32(k), Int32(c.outChannels), &paired)
            return paired
        }
        let winograd: [[Float]] = layers.indices.map { index in
            guard bf16[index].isEmpty, Self.isConv3x3(layers[index]), case .conv(let c) = layers[index],
                  cpd_conv3x3_prefers_winograd(Int32(c.inChannels)) != 0
            else { return [] }
            var transformed = [Float](repeating: 0, count: cpd_winograd_weight_floats(Int32(c.inChannels), Int32(c.outChannels)))
            cpd_winograd_weights(c.weights, Int32(c.inChannels), Int32(c.outChannels), &transformed)
            return transformed
        }
        bordersOutput = layers.indices.map { $0 + 1 < layers.count && Self.isConv3x3(layers[$0 + 1]) }
        self.winograd = winograd
        let fusingBF16 = cpd_conv3x3_bf16_fuses_pool() != 0
        fusesPool = layers.indices.map { index in
            guard Self.isConv3x3(layers[index]), case .conv(let c) = layers[index], winograd[index].isEmpty,
                  index + 1 < layers.count, case .maxPool(2, 2, 2, 2) = layers[index + 1] else { return false }
            return bf16[index].isEmpty ? cpd_conv3x3_prefers_fused_pool(Int32(c.inChannels)) != 0 : fusingBF16
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
        // The input goes into `bufferA` once: with the zero border when the first layer is a 3×3 convolution.
        bordered = threeByThree.first ?? false
        let count = bordered ? channels * (height + 2) * (width + 2) : height * width * channels
        if bufferA.count < count { bufferA = [Float](repeating: 0, count: count) }
        input.withUnsafeBufferPointer { src in
            bufferA.withUnsafeMutableBufferPointer { dst in
                if bordered {
                    Self.copyBordered(src.baseAddress!, into: dst.baseAddress!, planes: channels, height: height, width: width)
                } else {
                    dst.baseAddress!.update(from: src.baseAddress!, count: count)
                }
            }
        }
        var pooled = false  // the layer before was a convolution fused with this pooling
        for (index, layer) in layers.enumerated() {
            if pooled {
                pooled = false
                continue
            }
            var border = bordersOutput[index]
            switch layer {
            case .conv(let conv):
                var outHeight = conv.samePadding ? height : height - conv.kh + 1
                var outWidth = conv.samePadding ? width : width - conv.kw + 1
                if threeByThree[index] {
                    pooled = fusesPool[index] && height >= 2 && width >= 2
                    if pooled {
                        // The output is the pooling's: its size, and the border the layer after the pooling reads.
                        (outHeight, outWidth, border) = (height / 2, width / 2, bordersOutput[index + 1])
                    }
                    convolve3x3(conv, packed: packed[index], winograd: winograd[index], bf16: bf16[index], height: height,
                                width: width, border: border, pooled: pooled)
                    bordered = border
                } else {
                    convolve(conv, packed: packed[index], bf16: bf16Matrix[index], height: height, width: width,
                             outHeight: outHeight, outWidth: outWidth)
                    bordered = false
                }
                height = outHeight
                width = outWidth
                channels = conv.outChannels
            case .maxPool(let kh, let kw, let sh, let sw):
                let outHeight = (height - kh) / sh + 1, outWidth = (width - kw) / sw + 1
                pool(channels: channels, height: height, width: width, kh: kh, kw: kw, sh: sh, sw: sw,
                     outHeight: outHeight, outWidth: outWidth, border: border)
                bordered = border
                height = outHeight
                width = outWidth
            }
            swap(&bufferA, &bufferB)
        }
        return (channels, height, width)
    }

    /// The last `run`'s output, `channels × height × width`.
    var output: [Float] { bufferA }

    private static func isConv3x3(_ layer: ModelLayer) -> Bool {
        guard case .conv(let conv) = layer else { return false }
        return conv.kh == 3 && conv.kw == 3 && conv.samePadding
    }

    private func convolve(_ conv: ModelConvolution, packed: [Float], bf16: [UInt32], height: Int, width: Int, outHeight: Int,
                          outWidth: Int) {
        let k = conv.inChannels * conv.kh * conv.kw
        let pixels = outHeight * outWidth
        // A 1×1 convolution's matrix is its input as it stands (channels × pixels): no copy.
        let pointwise = conv.kh == 1 && conv.kw == 1
        if !pointwise, columns.count < k * pixels { columns = [Float](repeating: 0, count: k * pixels) }
        if bufferB.count < conv.outChannels * pixels { bufferB = [Float](repeating: 0, count: conv.outChannels * pixels) }
        let padTop = conv.samePadding ? (conv.kh - 1) / 2 : 0
        let padLeft = conv.samePadding ? (conv.kw - 1) / 2 : 0
        if !pointwise {
            bufferA.withUnsafeBufferPointer { src in
                columns.withUnsafeMutableBufferPointer { col in
                    // im2col: row r = (c, dy, dx), column p = output pixel. Each output row's stretch inside the
                    // input is one copy; what falls outside (the padding) is zero.
                    let source = src.baseAddress!, target = col.baseAddress!
                    var row = 0
                    for c in 0..<conv.inChannels {
                        let plane = c * height * width
                        for dy in 0..<conv.kh {
                            for dx in 0..<conv.kw {
                                let base = row * pixels
                                // Output columns whose input column ox + dx - padLeft lies inside 0..<width.
                                let first = min(outWidth, max(0, padLeft - dx)), end = max(first, min(outWidth, width + padLeft - dx))
                                for oy in 0..<outHeight {
                                    let y = oy + dy - padTop
                                    let out = target + base + oy * outWidth
                                    guard y >= 0 && y < height else {
                                        out.update(repeating: 0, count: outWidth)
                                        continue
                                    }
                                    out.update(repeating: 0, count: first)
                                    (out + first).update(from: source + plane + y * width + first + dx - padLeft, count: end - first)
                                    (out + end).update(repeating: 0, count: outWidth - end)
                                }
                                row += 1
                            }
                        }
                    }
                }
            }
        }
        if !bf16.isEmpty {
            let needed = cpd_bf16_gemm_scratch_words(Int32(k), Int32(pixels))
            if bf16Scratch.count < needed { bf16Scratch = [UInt32](repeating: 0, count: needed) }
            (pointwise ? bufferA : columns).withUnsafeBufferPointer { col in
                conv.bias.withUnsafeBufferPointer { bias in
                    bufferB.withUnsafeMutableBufferPointer { out in
                        cpd_conv_gemm_bf16(col.baseAddress!, Int32(k), Int32(pixels), bf16, bias.baseAddress!, conv.relu ? 1 : 0,
                                           Int32(conv.outChannels), out.baseAddress!, &bf16Scratch)
                    }
                }
            }
            return
        }
        (pointwise ? bufferA : columns).withUnsafeBufferPointer { col in
            packed.withUnsafeBufferPointer { w in
                conv.bias.withUnsafeBufferPointer { bias in
                    bufferB.withUnsafeMutableBufferPointer { out in
                        cpd_conv_gemm(col.baseAddress!, w.baseAddress!, bias.baseAddress!, conv.relu ? 1 : 0,
                                      Int32(conv.outChannels), Int32(k), Int32(pixels), out.baseAddress!)
                    }
                }
            }
        }
    }

    /// 3×3 same convolutions (most of the work) without an im2col matrix: the kernel reads the nine taps
    /// straight from planes with a one-pixel zero border — `bufferA` itself when the layer before wrote it so,
    /// else a bordered copy. With `border` the output gets the same border, for the next 3×3 convolution.
    /// `pooled`: the output is max-pooled 2×2 on the way (half the height and width).
    private func convolve3x3(_ conv: ModelConvolution, packed: [Float], winograd: [Float], bf16: [UInt32], height: Int,
                             width: Int, border: Bool, pooled: Bool = false) {
        let pw = width + 2, plane = (height + 2) * pw
        let (outHeight, outWidth) = pooled ? (height / 2, width / 2) : (height, width)
        let outRow = border ? outWidth + 2 : outWidth
        if !bordered {
            let count = conv.inChannels * plane
            if columns.count < count { columns = [Float](repeating: 0, count: count) }
            bufferA.withUnsafeBufferPointer { src in
                columns.withUnsafeMutableBufferPointer { padded in
                    Self.copyBordered(src.baseAddress!, into: padded.baseAddress!, planes: conv.inChannels, height: height, width: width)
                }
            }
        }
        let outPlane = border ? (outHeight + 2) * outRow : outHeight * outWidth
        if bufferB.count < conv.outChannels * outPlane { bufferB = [Float](repeating: 0, count: conv.outChannels * outPlane) }
        if !winograd.isEmpty {
            let needed = cpd_winograd_scratch_floats(Int32(conv.inChannels), Int32(width))
            if scratch.count < needed { scratch = [Float](repeating: 0, count: needed) }
        }
        if !bf16.isEmpty {
            let needed = cpd_bf16_scratch_words(Int32(conv.inChannels), Int32(height), Int32(width))
            if bf16Scratch.count < needed { bf16Scratch = [UInt32](repeating: 0, count: needed) }
        }
        (bordered ? bufferA : columns).withUnsafeBufferPointer { padded in
            packed.withUnsafeBufferPointer { w in
                conv.bias.withUnsafeBufferPointer { bias in
                    bufferB.withUnsafeMutableBufferPointer { out in
                        var dst = out.baseAddress!
                        if border {
                            Self.clearBorders(dst, planes: conv.outChannels, height: outHeight, width: outWidth)
                            dst += outRow + 1
                        }
                        let (channels, relu, outputs) = (Int32(conv.inChannels), Int32(conv.relu ? 1 : 0), Int32(conv.outChannels))
                        if pooled && !bf16.isEmpty {
                            cpd_conv3x3_bf16_pool2(padded.baseAddress!, channels, Int32(height), Int32(width), bf16,
                                                   bias.baseAddress!, relu, outputs, dst, Int32(outRow), Int32(outPlane),
                                                   &bf16Scratch)
                        } else if pooled {
                            cpd_conv3x3_pool2_strided(padded.baseAddress!, channels, Int32(height), Int32(width), w.baseAddress!,
                                                      bias.baseAddress!, relu, outputs, dst, Int32(outRow), Int32(outPlane))
                        } else if !bf16.isEmpty {
                            cpd_conv3x3_bf16(padded.baseAddress!, channels, Int32(height), Int32(width), bf16, bias.baseAddress!,
                                             relu, outputs, dst, Int32(outRow), Int32(outPlane), &bf16Scratch)
                        } else if winograd.isEmpty {
                            cpd_conv3x3_strided(padded.baseAddress!, channels, Int32(height), Int32(width), w.baseAddress!,
                                                bias.baseAddress!, relu, outputs, dst, Int32(outRow), Int32(outPlane))
                        } else {
                            cpd_conv3x3_winograd(padded.baseAddress!, channels, Int32(height), Int32(width), winograd,
                                                 bias.baseAddress!, relu, outputs, dst, Int32(outRow), Int32(outPlane), &scratch)
                        }
                    }
                }
            }
        }
    }

    /// `planes` packed planes of height × width copied into the bordered layout (a zero row and column all round).
    private static func copyBordered(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, planes: Int,
                                     height: Int, width: Int) {
        let pw = width + 2, plane = (height + 2) * pw
        clearBorders(dst, planes: planes, height: height, width: width)
        for c in 0..<planes {
            for y in 0..<height {
                (dst + c * plane + (y + 1) * pw + 1).update(from: src + (c * height + y) * width, count: width)
            }
        }
    }

    /// Zeroes the one-pixel border of `planes` bordered planes of height × width (the insides are written after).
    private static func clearBorders(_ base: UnsafeMutablePointer<Float>, planes: Int, height: Int, width: Int) {
        let pw = width + 2, plane = (height + 2) * pw
        for c in 0..<planes {
            let p = base + c * plane
            p.update(repeating: 0, count: pw)
            (p + (height + 1) * pw).update(repeating: 0, count: pw)
            for y in 1...max(1, height) {
                p[y * pw] = 0
                p[y * pw + width + 1] = 0
            }
        }
    }

    private func pool(channels: Int, height: Int, width: Int, kh: Int, kw: Int, sh: Int, sw: Int,
                      outHeight: Int, outWidth: Int, border: Bool) {
        let row = border ? outWidth + 2 : outWidth, plane = border ? (outHeight + 2) * row : outHeight * outWidth
        if bufferB.count < channels * plane { bufferB = [Float](repeating: 0, count: channels * plane) }
        bufferA.withUnsafeBufferPointer { src in
            bufferB.withUnsafeMutableBufferPointer { out in
                var dst = out.baseAddress!
                if border {
                    Self.clearBorders(dst, planes: channels, height: outHeight, width: outWidth)
                    dst += row + 1
                }
                cpd_max_pool_strided(src.baseAddress!, Int32(channels), Int32(height), Int32(width), Int32(kh), Int32(kw), Int32(sh),
                                     Int32(sw), dst, Int32(row), Int32(plane))
            }
        }
    }
}
