import CPlateKernels
import Foundation
import Imaging
import Testing
@testable import PlateReader

struct NetworkTests {
    @Test func forwardPassAndCTCDecodeFollowThePixels() throws {
        let model = try RecognizerModel(data: TinyModel.darkBright, file: "tiny")
        #expect(model.columns == 4)
        let network = Network(model: model)
        // Pixels 0, 0, 128, 255 → normalised -1, -1, ~0, 1 → A, A, blank, B → "AB".
        let input = [0, 0, 128, 255].map { (Float($0) / 255 - 0.5) / 0.5 }
        let scores = network.forward(input)
        #expect(scores.count == 4 && scores[0].count == 3)
        let reads = CTCDecoder.decode(scores, charset: model.charset)
        #expect(String(reads.map(\.character)) == "AB")
        #expect(reads.allSatisfy { $0.confidence > 0.9 })
        #expect(reads[0].alternatives.first?.0 == "B")
    }

    @Test func ctcMergesRepeatsAndABlankSeparatesDoubles() {
        let charset: [Character] = ["\u{0}", "1", "2"]
        func column(_ best: Int) -> [Float] { (0..<3).map { $0 == best ? 5 : 0 } }
        let scores = [1, 1, 0, 1, 2, 2, 0].map(column)
        #expect(String(CTCDecoder.decode(scores, charset: charset).map(\.character)) == "112")
    }

    @Test func aMissingOrCorruptModelFailsWithAClearMessage() throws {
        #expect { try RecognizerModel(contentsOf: URL(fileURLWithPath: "/nonexistent/recognizer.cpdm")) } throws: {
            ($0 as? ModelError)?.message.contains("cannot be read") == true
        }
        #expect { try RecognizerModel(data: Data("not a model at all".utf8), file: "x") } throws: {
            ($0 as? ModelError)?.message.contains("bad magic") == true
        }
        let whole = TinyModel.darkBright
        #expect { try RecognizerModel(data: whole.prefix(whole.count - 8), file: "x") } throws: {
            ($0 as? ModelError)?.message.contains("truncated") == true
        }
        // A layer that does not follow the previous one's channels.
        let mismatched = TinyModel.data(width: 4, height: 1, charset: ["<blank>", "A"], convs: [
            .init(inChannels: 3, outChannels: 2, kh: 1, kw: 1, weights: [0, 0, 0, 0, 0, 0], bias: [0, 0]),
        ])
        #expect { try RecognizerModel(data: mismatched, file: "x") } throws: {
            ($0 as? ModelError)?.message.contains("does not follow") == true
        }
        // NaN weights.
        let poisoned = TinyModel.data(width: 4, height: 1, charset: ["<blank>", "A"], convs: [
            .init(inChannels: 1, outChannels: 2, kh: 1, kw: 1, weights: [.nan, 0], bias: [0, 0]),
        ])
        #expect { try RecognizerModel(data: poisoned, file: "x") } throws: {
            ($0 as? ModelError)?.message.contains("non-finite") == true
        }
    }

    @Test func theBundledModelLoads() throws {
        let url = try #require(PlateReader.bundledModelURL)
        let model = try RecognizerModel(contentsOf: url)
        #expect(model.charset.count > 40)
        #expect(model.charset.contains("京") && model.charset.contains("Z") && model.charset.contains("7"))
    }
}

/// The blocked SIMD convolution against a plain triple loop, on shapes that exercise
/// both the 16- and 32-pixel blocks (AVX2, AVX-512) and the leftovers, blocks of 8 and of 4 outputs, and output counts
/// that are not a multiple of 4.
struct ConvolutionKernelTests {
    @Test(arguments: [(channels: 3, height: 5, width: 21, outputs: 6), (channels: 1, height: 2, width: 16, outputs: 4),
                      (channels: 2, height: 3, width: 7, outputs: 1), (channels: 2, height: 3, width: 45, outputs: 5),
                      (channels: 4, height: 2, width: 64, outputs: 8), (channels: 2, height: 3, width: 45, outputs: 13)])
    func directThreeByThreeMatchesTheObviousConvolution(channels: Int, height: Int, width: Int, outputs: Int) {
        var generator = SeededGenerator(seed: UInt64(channels * 100 + width))
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
        let input = random(channels * height * width), weights = random(outputs * channels * 9), bias = random(outputs)
        let k = channels * 9
        let packed = Self.packed(weights, outputs: outputs, k: k)
        let padded = Self.bordered(input, planes: channels, height: height, width: width)
        var fast = [Float](repeating: .nan, count: outputs * height * width), portable = fast
        cpd_conv3x3(padded, Int32(channels), Int32(height), Int32(width), packed, bias, 1, Int32(outputs), &fast)
        cpd_conv3x3_portable(padded, Int32(channels), Int32(height), Int32(width), packed, bias, 1, Int32(outputs), &portable)
        for o in 0..<outputs { for y in 0..<height { for x in 0..<width {
            var sum = bias[o]
            for c in 0..<channels { for dy in -1...1 { for dx in -1...1 {
                let yy = y + dy, xx = x + dx
                guard yy >= 0, yy < height, xx >= 0, xx < width else { continue }
                sum += weights[o * k + (c * 3 + dy + 1) * 3 + dx + 1] * input[(c * height + yy) * width + xx]
            } } }
            let index = (o * height + y) * width + x
            #expect(abs(fast[index] - max(0, sum)) < 1e-4 && abs(portable[index] - max(0, sum)) < 1e-4, "o \(o) y \(y) x \(x)")
        } } }
    }

    /// The strided kernels write inside a bordered layout (what the next 3×3 convolution reads) and leave its
    /// border alone: the same values as the packed output, every border cell untouched.
    @Test func stridedKernelsWriteInsideTheBorderOnly() {
        var generator = SeededGenerator(seed: 11)
        let (channels, height, width, outputs) = (3, 6, 37, 9)
        let padded = (0..<(channels * (height + 2) * (width + 2))).map { _ in Float.random(in: -1...1, using: &generator) }
        let k = channels * 9
        let packed = (0..<((outputs + 3) / 4 * k * 4)).map { _ in Float.random(in: -1...1, using: &generator) }
        let bias = (0..<outputs).map { _ in Float.random(in: -1...1, using: &generator) }
        var dense = [Float](repeating: 0, count: outputs * height * width)
        cpd_conv3x3(padded, Int32(channels), Int32(height), Int32(width), packed, bias, 1, Int32(outputs), &dense)
        let bordered = Self.writtenInside(planes: outputs, height: height, width: width) { out, row, plane in
            cpd_conv3x3_strided(padded, Int32(channels), Int32(height), Int32(width), packed, bias, 1, Int32(outputs), out, row, plane)
        }
        Self.expectBordered(bordered, planes: outputs, height: height, width: width, equal: dense, within: 0, "strided")
        // Pooling the dense output into a bordered layout.
        let oh = height / 2, ow = width / 2
        var pooled = [Float](repeating: 0, count: outputs * oh * ow)
        cpd_max_pool(dense, Int32(outputs), Int32(height), Int32(width), 2, 2, 2, 2, &pooled)
        let pooledBordered = Self.writtenInside(planes: outputs, height: oh, width: ow) { out, row, plane in
            cpd_max_pool_strided(dense, Int32(outputs), Int32(height), Int32(width), 2, 2, 2, 2, out, row, plane)
        }
        Self.expectBordered(pooledBordered, planes: outputs, height: oh, width: ow, equal: pooled, within: 0, "pool")
    }

    /// Winograd's F(2x2, 3x3) against the direct kernel, both its AVX2 and portable paths: odd heights and widths
    /// (a tile half outside), rows narrower than a block of tiles and several blocks wide, one-vector rows whose
    /// outputs go two groups at a time (and an odd group left), output counts that are not a multiple of 4, with and
    /// without ReLU, into a bordered layout whose border it must leave alone.
    @Test(arguments: [(channels: 8, height: 5, width: 21, outputs: 6), (channels: 3, height: 1, width: 1, outputs: 1),
                      (channels: 16, height: 4, width: 32, outputs: 13), (channels: 9, height: 7, width: 45, outputs: 4),
                      (channels: 24, height: 3, width: 80, outputs: 5), (channels: 2, height: 2, width: 2, outputs: 3),
                      (channels: 16, height: 3, width: 16, outputs: 13), (channels: 16, height: 2, width: 14, outputs: 9)])
    func winogradMatchesTheDirectConvolution(channels: Int, height: Int, width: Int, outputs: Int) {
        var generator = SeededGenerator(seed: UInt64(channels * 100 + width))
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
        let padded = Self.bordered(random(channels * height * width), planes: channels, height: height, width: width)
        let weights = random(outputs * channels * 9), bias = random(outputs)
        let k = channels * 9
        let packed = Self.packed(weights, outputs: outputs, k: k)
        var transformed = [Float](repeating: .nan, count: cpd_winograd_weight_floats(Int32(channels), Int32(outputs)))
        cpd_winograd_weights(weights, Int32(channels), Int32(outputs), &transformed)
        var scratch = [Float](repeating: .nan, count: cpd_winograd_scratch_floats(Int32(channels), Int32(width)))
        for relu in [Int32(0), 1] {
            var direct = [Float](repeating: 0, count: outputs * height * width)
            cpd_conv3x3_portable(padded, Int32(channels), Int32(height), Int32(width), packed, bias, relu, Int32(outputs), &direct)
            for portable in [false, true] {
                let run = portable ? cpd_conv3x3_winograd_portable : cpd_conv3x3_winograd
                let bordered = Self.writtenInside(planes: outputs, height: height, width: width) { out, row, plane in
                    run(padded, Int32(channels), Int32(height), Int32(width), transformed, bias, relu, Int32(outputs), out, row,
                        plane, &scratch)
                }
                Self.expectBordered(bordered, planes: outputs, height: height, width: width, equal: direct, within: 1e-4,
                                    "relu \(relu) portable \(portable)")
            }
        }
    }

    /// The bfloat16 kernels (the best this CPU has: AMX tiles where it has them; AVX-512 BF16; portable) against the
    /// float32 direct kernel run on the same inputs and weights rounded to bfloat16 first: the products are then the
    /// same, so only the order of the float32 sums differs. Odd channel counts (the last pair half zeros), one or two
    /// output groups and a left-over group, widths with a masked last vector, with and without ReLU, into a bordered
    /// layout it must leave alone. For the tiles: output counts past 16 that are not a multiple of it (blocks padded
    /// with zero weights, an odd block left after the pairs), pair rows per product that are not 16 (9 channels: 15),
    /// widths that end inside a 16-pixel block.
    @Test(arguments: [(channels: 8, height: 5, width: 21, outputs: 6), (channels: 3, height: 1, width: 1, outputs: 1),
                      (channels: 16, height: 4, width: 32, outputs: 13), (channels: 9, height: 7, width: 45, outputs: 4),
                      (channels: 24, height: 3, width: 80, outputs: 12), (channels: 1, height: 2, width: 2, outputs: 3),
                      (channels: 64, height: 4, width: 16, outputs: 96), (channels: 8, height: 3, width: 50, outputs: 40),
                      (channels: 22, height: 2, width: 17, outputs: 24), (channels: 32, height: 5, width: 97, outputs: 32)])
    func bfloat16MatchesTheDirectConvolutionOnRoundedValues(channels: Int, height: Int, width: Int, outputs: Int) {
        var generator = SeededGenerator(seed: UInt64(channels * 1000 + width))
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
        let inputs = random(channels * height * width), weights = random(outputs * channels * 9), bias = random(outputs)
        let padded = Self.bordered(inputs, planes: channels, height: height, width: width)
        var paired = [UInt32](repeating: 0xDEAD, count: cpd_bf16_weight_words(Int32(channels), Int32(outputs)))
        cpd_bf16_weights(weights, Int32(channels), Int32(outputs), &paired)
        var scratch = [UInt32](repeating: 0xDEAD, count: cpd_bf16_scratch_words(Int32(channels), Int32(height), Int32(width)))
        let roundedPadded = Self.bordered(Self.bfloat16(inputs), planes: channels, height: height, width: width)
        let roundedPacked = Self.packed(Self.bfloat16(weights), outputs: outputs, k: channels * 9)
        for relu in [Int32(0), 1] {
            var direct = [Float](repeating: 0, count: outputs * height * width)
            cpd_conv3x3_portable(roundedPadded, Int32(channels), Int32(height), Int32(width), roundedPacked, bias, relu,
                                 Int32(outputs), &direct)
            for (kernel, run) in [("best", cpd_conv3x3_bf16), ("avx512", cpd_conv3x3_bf16_avx512),
                                  ("portable", cpd_conv3x3_bf16_portable)] {
                let bordered = Self.writtenInside(planes: outputs, height: height, width: width) { out, row, plane in
                    run(padded, Int32(channels), Int32(height), Int32(width), paired, bias, relu, Int32(outputs), out, row, plane,
                        &scratch)
                }
                Self.expectBordered(bordered, planes: outputs, height: height, width: width, equal: direct, within: 1e-4,
                                    "relu \(relu) kernel \(kernel)")
            }
        }
    }

    /// The bfloat16 matrix product (the 4×4 layer's), all three kernels as above, against the float32 portable one on
    /// the same values rounded to bfloat16: an odd k (the last pair half zeros), output counts that are not a multiple
    /// of 4, 8 or 16, pixel counts with a masked last vector or ending inside a 16-pixel block.
    @Test(arguments: [(outputs: 9, k: 27, pixels: 61), (outputs: 4, k: 1, pixels: 24), (outputs: 1, k: 5, pixels: 7),
                      (outputs: 192, k: 1536, pixels: 13), (outputs: 70, k: 192, pixels: 32), (outputs: 9, k: 32, pixels: 3600)])
    func bfloat16MatrixProductMatchesTheFloatOneOnRoundedValues(outputs: Int, k: Int, pixels: Int) {
        var generator = SeededGenerator(seed: UInt64(outputs * 1000 + pixels + 7))
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
        let weights = random(outputs * k), bias = random(outputs), columns = random(k * pixels)
        var paired = [UInt32](repeating: 0xDEAD, count: cpd_bf16_gemm_weight_words(Int32(k), Int32(outputs)))
        cpd_bf16_gemm_weights(weights, Int32(k), Int32(outputs), &paired)
        var scratch = [UInt32](repeating: 0xDEAD, count: cpd_bf16_gemm_scratch_words(Int32(k), Int32(pixels)))
        let roundedPacked = Self.packed(Self.bfloat16(weights), outputs: outputs, k: k)
        for relu in [Int32(0), 1] {
            var expected = [Float](repeating: .nan, count: outputs * pixels)
            cpd_conv_gemm_portable(Self.bfloat16(columns), roundedPacked, bias, relu, Int32(outputs), Int32(k), Int32(pixels), &expected)
            for (kernel, run) in [("best", cpd_conv_gemm_bf16), ("avx512", cpd_conv_gemm_bf16_avx512),
                                  ("portable", cpd_conv_gemm_bf16_portable)] {
                var out = [Float](repeating: .nan, count: outputs * pixels)
                run(columns, Int32(k), Int32(pixels), paired, bias, relu, Int32(outputs), &out, &scratch)
                let worst = zip(out, expected).map { abs($0 - $1) }.max() ?? .nan
                #expect(worst <= 1e-3, "relu \(relu) kernel \(kernel): worst \(worst)")
            }
        }
    }

    /// A network on bfloat16 products reads what the float32 one reads: a random 3×3 stack's outputs stay within a
    /// few hundredths of the float32 kernel's (8 significant bits per factor, float32 sums).
    @Test func bfloat16StaysCloseToFloat32() {
        var generator = SeededGenerator(seed: 42)
        let (channels, height, width, outputs) = (32, 6, 40, 16)
        let padded = Self.bordered((0..<(channels * height * width)).map { _ in Float.random(in: 0...1, using: &generator) },
                                   planes: channels, height: height, width: width)
        let scale = 1 / Float(channels * 9).squareRoot()
        let weights = (0..<(outputs * channels * 9)).map { _ in Float.random(in: -scale...scale, using: &generator) }
        let bias = [Float](repeating: 0, count: outputs)
        var exact = [Float](repeating: 0, count: outputs * height * width)
        cpd_conv3x3_portable(padded, Int32(channels), Int32(height), Int32(width), Self.packed(weights, outputs: outputs, k: channels * 9),
                             bias, 0, Int32(outputs), &exact)
        var paired = [UInt32](repeating: 0, count: cpd_bf16_weight_words(Int32(channels), Int32(outputs)))
        cpd_bf16_weights(weights, Int32(channels), Int32(outputs), &paired)
        var scratch = [UInt32](repeating: 0, count: cpd_bf16_scratch_words(Int32(channels), Int32(height), Int32(width)))
        var approximate = [Float](repeating: 0, count: outputs * height * width)
        cpd_conv3x3_bf16(padded, Int32(channels), Int32(height), Int32(width), paired, bias, 0, Int32(outputs), &approximate,
                         Int32(width), Int32(height * width), &scratch)
        let worst = zip(exact, approximate).map { abs($0 - $1) }.max() ?? 0
        let spread = (exact.map { $0 * $0 }.reduce(0, +) / Float(exact.count)).squareRoot()
        #expect(worst < 0.02 * max(spread, 1e-3), "worst \(worst), typical output \(spread)")
    }

    /// bfloat16 products are used where they were timed faster, for the 3×3 layers and the matrix products alike: the
    /// CPU flag alone misled on an Intel Xeon, where they ran a frame 1.4x slower than float32.
    @Test func bfloat16IsChosenByTimingWhereTheCPUHasIt() {
        let ratio = cpd_bf16_timing_ratio()
        #expect(ratio.isFinite && ratio > 0, "ratio \(ratio)")
        let chosen = cpd_conv3x3_prefers_bf16(32) != 0
        #expect((cpd_conv_gemm_prefers_bf16(64) != 0) == chosen)
        #expect(cpd_conv3x3_prefers_bf16(2) == 0, "two channels have nothing to pair")
    }

    /// The fused convolution + 2×2 pooling against the two run one after the other, vector and portable paths: widths
    /// with and without a last column the vector path leaves to the scalar one, blocks of 32 and of 16 pixels (AVX-512), odd sizes (the last row or column
    /// dropped), output counts that are not a multiple of 4, into a bordered layout.
    @Test(arguments: [(channels: 1, height: 6, width: 40, outputs: 8), (channels: 3, height: 5, width: 37, outputs: 6),
                      (channels: 2, height: 2, width: 2, outputs: 1), (channels: 8, height: 9, width: 16, outputs: 13),
                      (channels: 1, height: 4, width: 58, outputs: 5)])
    func fusedPoolingMatchesConvolutionThenPooling(channels: Int, height: Int, width: Int, outputs: Int) {
        var generator = SeededGenerator(seed: UInt64(channels * 10 + width))
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
        let padded = Self.bordered(random(channels * height * width), planes: channels, height: height, width: width)
        let k = channels * 9
        let packed = random((outputs + 3) / 4 * k * 4), bias = random(outputs)
        let oh = height / 2, ow = width / 2
        for relu in [Int32(0), 1] {
            var dense = [Float](repeating: 0, count: outputs * height * width)
            cpd_conv3x3_portable(padded, Int32(channels), Int32(height), Int32(width), packed, bias, relu, Int32(outputs), &dense)
            var expected = [Float](repeating: 0, count: outputs * oh * ow)
            cpd_max_pool(dense, Int32(outputs), Int32(height), Int32(width), 2, 2, 2, 2, &expected)
            for portable in [false, true] {
                let run = portable ? cpd_conv3x3_pool2_portable : cpd_conv3x3_pool2_strided
                let fused = Self.writtenInside(planes: outputs, height: oh, width: ow) { out, row, plane in
                    run(padded, Int32(channels), Int32(height), Int32(width), packed, bias, relu, Int32(outputs), out, row, plane)
                }
                Self.expectBordered(fused, planes: outputs, height: oh, width: ow, equal: expected, within: 1e-4,
                                    "relu \(relu) portable \(portable)")
            }
        }
    }

    /// The bfloat16 convolution + 2×2 pooling (fused on AMX tiles, two output rows per tile pair) against the portable
    /// bfloat16 convolution then the pooling: odd sizes (the last row or column dropped), widths ending inside a
    /// 16-pixel block, one output block, two, and two plus an odd one.
    @Test(arguments: [(channels: 8, height: 6, width: 40, outputs: 16), (channels: 9, height: 5, width: 37, outputs: 6),
                      (channels: 16, height: 2, width: 2, outputs: 24), (channels: 24, height: 9, width: 70, outputs: 40)])
    func bfloat16FusedPoolingMatchesConvolutionThenPooling(channels: Int, height: Int, width: Int, outputs: Int) {
        var generator = SeededGenerator(seed: UInt64(channels * 10 + width + 3))
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
        let padded = Self.bordered(random(channels * height * width), planes: channels, height: height, width: width)
        let weights = random(outputs * channels * 9), bias = random(outputs)
        var paired = [UInt32](repeating: 0, count: cpd_bf16_weight_words(Int32(channels), Int32(outputs)))
        cpd_bf16_weights(weights, Int32(channels), Int32(outputs), &paired)
        var scratch = [UInt32](repeating: 0xDEAD, count: cpd_bf16_scratch_words(Int32(channels), Int32(height), Int32(width)))
        let oh = height / 2, ow = width / 2
        for relu in [Int32(0), 1] {
            var dense = [Float](repeating: 0, count: outputs * height * width)
            cpd_conv3x3_bf16_portable(padded, Int32(channels), Int32(height), Int32(width), paired, bias, relu, Int32(outputs),
                                      &dense, Int32(width), Int32(height * width), &scratch)
            var expected = [Float](repeating: 0, count: outputs * oh * ow)
            cpd_max_pool(dense, Int32(outputs), Int32(height), Int32(width), 2, 2, 2, 2, &expected)
            let fused = Self.writtenInside(planes: outputs, height: oh, width: ow) { out, row, plane in
                cpd_conv3x3_bf16_pool2(padded, Int32(channels), Int32(height), Int32(width), paired, bias, relu, Int32(outputs),
                                       out, row, plane, &scratch)
            }
            Self.expectBordered(fused, planes: outputs, height: oh, width: ow, equal: expected, within: 1e-4, "relu \(relu)")
        }
    }

    @Test func maxPoolingTakesTheLargestOfEachWindow() {
        let input: [Float] = [1, 5, 2, 0, 3, 4, 9, 8, -1, -2, -3, -4]  // 1 channel, 3 × 4
        var square = [Float](repeating: 0, count: 2)
        cpd_max_pool(input, 1, 3, 4, 2, 2, 2, 2, &square)
        #expect(square == [5, 9])
        var tall = [Float](repeating: 0, count: 4)
        cpd_max_pool(input, 1, 3, 4, 2, 1, 2, 1, &tall)
        #expect(tall == [3, 5, 9, 8])
        // Wide and odd-sized planes (the vector path takes 16 outputs a step, the rest one by one).
        var generator = SeededGenerator(seed: 3)
        let (channels, height, width) = (2, 7, 71)
        let planes = (0..<(channels * height * width)).map { _ in Float.random(in: -1...1, using: &generator) }
        let oh = (height - 2) / 2 + 1, ow = (width - 2) / 2 + 1
        var pooled = [Float](repeating: .nan, count: channels * oh * ow)
        cpd_max_pool(planes, Int32(channels), Int32(height), Int32(width), 2, 2, 2, 2, &pooled)
        for c in 0..<channels { for y in 0..<oh { for x in 0..<ow {
            let at = { (dy: Int, dx: Int) in planes[(c * height + 2 * y + dy) * width + 2 * x + dx] }
            #expect(pooled[(c * oh + y) * ow + x] == max(at(0, 0), at(0, 1), at(1, 0), at(1, 1)))
        } } }
    }


    @Test(arguments: [(outputs: 9, k: 27, pixels: 61), (outputs: 4, k: 1, pixels: 24), (outputs: 1, k: 5, pixels: 7),
                      (outputs: 70, k: 192, pixels: 32), (outputs: 13, k: 9, pixels: 56), (outputs: 8, k: 3, pixels: 8)])
    func bothMatrixKernelsMatchTheObviousProduct(outputs: Int, k: Int, pixels: Int) {
        var generator = SeededGenerator(seed: UInt64(outputs * 1000 + pixels))
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
        let weights = random(outputs * k), bias = random(outputs), columns = random(k * pixels)
        let packed = Self.packed(weights, outputs: outputs, k: k)
        func fusedKernels() -> Bool { String(cString: cpd_conv_kernel_name()) == "avx2+fma" }
        for relu in [false, true] {
            var fast = [Float](repeating: .nan, count: outputs * pixels), portable = fast
            cpd_conv_gemm(columns, packed, bias, relu ? 1 : 0, Int32(outputs), Int32(k), Int32(pixels), &fast)
            cpd_conv_gemm_portable(columns, packed, bias, relu ? 1 : 0, Int32(outputs), Int32(k), Int32(pixels), &portable)
            for o in 0..<outputs {
                for p in 0..<pixels {
                    var sum = bias[o]
                    for r in 0..<k { sum += weights[o * k + r] * columns[r * pixels + p] }
                    if relu { sum = max(0, sum) }
                    #expect(abs(fast[o * pixels + p] - sum) < 1e-4 && abs(portable[o * pixels + p] - sum) < 1e-4,
                            "output \(o) pixel \(p) (\(String(cString: cpd_conv_kernel_name())))")
                    // The vector kernels (AVX2, AVX-512) take the same steps whichever runs: the bias, then one fused
                    // multiply-add per row of k, in order; so a new kernel cannot move a read.
                    if fusedKernels() {
                        var fused = bias[o]
                        for r in 0..<k { fused.addProduct(columns[r * pixels + p], weights[o * k + r]) }
                        if relu { fused = max(0, fused) }
                        #expect(fast[o * pixels + p].bitPattern == fused.bitPattern, "output \(o) pixel \(p), fused")
                    }
                }
            }
        }
    }


    @Test func blockedConvolutionMatchesTheObviousOne() throws {
        var generator = SeededGenerator(seed: 7)
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
        let (width, height, inC, midC, classes) = (20, 4, 1, 6, 5)
        let w1 = random(midC * inC * 9), b1 = random(midC)
        let w2 = random(classes * midC * 4), b2 = random(classes)
        let data = TinyModel.data(width: width, height: height, charset: ["<blank>", "A", "B", "C", "D"], convs: [
            .init(inChannels: inC, outChannels: midC, kh: 3, kw: 3, relu: true, weights: w1, bias: b1),
            .init(inChannels: midC, outChannels: classes, kh: 4, kw: 1, padding: "valid", weights: w2, bias: b2),
        ])
        let input = random(width * height)
        let scores = Network(model: try RecognizerModel(data: data, file: "t")).forward(input)

        // Plain reference.
        var hidden = [Float](repeating: 0, count: midC * height * width)
        for o in 0..<midC { for y in 0..<height { for x in 0..<width {
            var sum = b1[o]
            for dy in -1...1 { for dx in -1...1 {
                let yy = y + dy, xx = x + dx
                guard yy >= 0, yy < height, xx >= 0, xx < width else { continue }
                sum += w1[o * 9 + (dy + 1) * 3 + (dx + 1)] * input[yy * width + xx]
            } }
            hidden[(o * height + y) * width + x] = max(0, sum)
        } } }
        // Where bfloat16 was chosen (AVX-512 BF16, timed faster) the 4×1 layer multiplies in it (8 significant bits).
        let tolerance: Float = cpd_conv_gemm_prefers_bf16(Int32(midC * 4)) != 0 ? 2e-2 : 1e-4
        for x in 0..<width {
            for o in 0..<classes {
                var sum = b2[o]
                for c in 0..<midC { for dy in 0..<4 { sum += w2[(o * midC + c) * 4 + dy] * hidden[(c * height + dy) * width + x] } }
                #expect(abs(scores[x][o] - sum) < tolerance, "column \(x) class \(o)")
            }
        }
    }

    /// The recogniser's context layers (1×3, same padding) see the columns either side and zeros past the ends.
    @Test func aContextLayerAlongTheColumnsMatchesTheObviousOne() throws {
        var generator = SeededGenerator(seed: 11)
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
        let (width, midC, classes) = (13, 10, 5)
        let w1 = random(midC), b1 = random(midC)
        let w2 = random(midC * midC * 3), b2 = random(midC)
        let w3 = random(classes * midC), b3 = random(classes)
        let data = TinyModel.data(width: width, height: 1, charset: ["<blank>", "A", "B", "C", "D"], convs: [
            .init(inChannels: 1, outChannels: midC, kh: 1, kw: 1, relu: true, weights: w1, bias: b1),
            .init(inChannels: midC, outChannels: midC, kh: 1, kw: 3, relu: true, weights: w2, bias: b2),
            .init(inChannels: midC, outChannels: classes, kh: 1, kw: 1, weights: w3, bias: b3),
        ])
        let input = random(width)
        let scores = Network(model: try RecognizerModel(data: data, file: "t")).forward(input)

        let first = (0..<midC).map { o in (0..<width).map { x in max(0, b1[o] + w1[o] * input[x]) } }
        let context = (0..<midC).map { o in
            (0..<width).map { x in
                var sum = b2[o]
                for c in 0..<midC { for dx in -1...1 where (0..<width).contains(x + dx) {
                    sum += w2[(o * midC + c) * 3 + dx + 1] * first[c][x + dx]
                } }
                return max(0, sum)
            }
        }
        // Where bfloat16 was chosen (AVX-512 BF16, timed faster) the 1×3 layer multiplies in it (8 significant bits).
        let tolerance: Float = cpd_conv_gemm_prefers_bf16(Int32(midC * 3)) != 0 ? 3e-2 : 1e-4
        for x in 0..<width {
            for o in 0..<classes {
                let sum = (0..<midC).reduce(b3[o]) { $0 + w3[o * midC + $1] * context[$1][x] }
                #expect(abs(scores[x][o] - sum) < tolerance, "column \(x) class \(o)")
            }
        }
    }

    /// Weights `[outputs][k]` as the kernels read them: `[outputs/4][k][4]`, four outputs' weights side by side.
    static func packed(_ weights: [Float], outputs: Int, k: Int) -> [Float] {
        var packed = [Float](repeating: 0, count: (outputs + 3) / 4 * k * 4)
        for o in 0..<outputs { for r in 0..<k { packed[((o / 4) * k + r) * 4 + o % 4] = weights[o * k + r] } }
        return packed
    }

    /// Values rounded to nearest even at bfloat16's 8 significant bits, as the kernels' conversion rounds them.
    static func bfloat16(_ values: [Float]) -> [Float] {
        values.map { value in
            let bits = value.bitPattern
            return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
        }
    }

    /// `planes` planes of height × width in the bordered layout the 3×3 kernels read (a zero row and column all round).
    static func bordered(_ values: [Float], planes: Int, height: Int, width: Int) -> [Float] {
        let pw = width + 2, plane = (height + 2) * pw
        var padded = [Float](repeating: 0, count: planes * plane)
        for c in 0..<planes { for y in 0..<height { for x in 0..<width {
            padded[c * plane + (y + 1) * pw + x + 1] = values[(c * height + y) * width + x]
        } } }
        return padded
    }

    /// What a strided kernel writes into a bordered layout of `planes` planes of height × width first filled with -7
    /// (for `expectBordered`): `write` gets the inside's first pixel, the row and the plane lengths.
    static func writtenInside(planes: Int, height: Int, width: Int,
                              _ write: (UnsafeMutablePointer<Float>, Int32, Int32) -> Void) -> [Float] {
        let pw = width + 2, plane = (height + 2) * pw
        var bordered = [Float](repeating: -7, count: planes * plane)
        bordered.withUnsafeMutableBufferPointer { write($0.baseAddress! + pw + 1, Int32(pw), Int32(plane)) }
        return bordered
    }

    /// A kernel's output written into a bordered layout first filled with -7: inside, `equal` (packed planes) to within
    /// `within`; the border untouched.
    static func expectBordered(_ values: [Float], planes: Int, height: Int, width: Int, equal: [Float], within: Float,
                               _ label: String) {
        let pw = width + 2, plane = (height + 2) * pw
        for o in 0..<planes { for y in 0..<(height + 2) { for x in 0..<pw {
            let value = values[o * plane + y * pw + x]
            if y == 0 || y == height + 1 || x == 0 || x == width + 1 {
                #expect(value == -7, "border o \(o) y \(y) x \(x) \(label)")
            } else {
                #expect(abs(value - equal[(o * height + y - 1) * width + x - 1]) <= within, "o \(o) y \(y) x \(x) \(label)")
            }
        } } }
    }
}

/// Deterministic numbers for tests (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
