import CPlateKernels
import Foundation
import Imaging
import Testing
@testable import PlateReader

/// The two ways pixels reach the networks: the detector's area-averaged shrink of the frame and the recogniser's
/// bilinear samples of a plate's quadrilateral, against the obvious formulas.
struct ResamplingTests {
    /// Whole-number factors (each output pixel spans the same columns: the unrolled rows) and others (spans of two
    /// lengths), against the mean of each output pixel's source block.
    @Test(arguments: [(width: 12, height: 9, outWidth: 12, outHeight: 9), (width: 12, height: 8, outWidth: 6, outHeight: 4),
                      (width: 30, height: 9, outWidth: 10, outHeight: 3), (width: 32, height: 12, outWidth: 8, outHeight: 3),
                      (width: 25, height: 10, outWidth: 10, outHeight: 4), (width: 11, height: 7, outWidth: 3, outHeight: 2)])
    func theShrinkAveragesEachOutputPixelsBlock(width: Int, height: Int, outWidth: Int, outHeight: Int) {
        let stride = width + 3  // rows wider than the region
        let pixels: [UInt8] = (0..<(stride * height)).map { (i: Int) -> UInt8 in UInt8((i * 37 + i / 7) % 256) }
        let fx = Double(width) / Double(outWidth), fy = Double(height) / Double(outHeight)
        let x0: [Int32] = (0..<outWidth).map { (x: Int) -> Int32 in Int32(Double(x) * fx) }
        let x1: [Int32] = (0..<outWidth).map { (x: Int) -> Int32 in Int32(max(Int(Double(x) * fx) + 1, min(width, Int(Double(x + 1) * fx)))) }
        let y0: [Int32] = (0..<outHeight).map { (y: Int) -> Int32 in Int32(Double(y) * fy) }
        let y1: [Int32] = (0..<outHeight).map { (y: Int) -> Int32 in Int32(max(Int(Double(y) * fy) + 1, min(height, Int(Double(y + 1) * fy)))) }
        let weights: [Float] = (0..<outWidth).map { (x: Int) -> Float in 1 / Float(x1[x] - x0[x]) }
        let (mean, std): (Float, Float) = (0.5, 0.25)
        var sums = [Int32](repeating: 0, count: width + 1)
        let outStride = outWidth + 2
        var out = [Float](repeating: -9, count: outStride * outHeight)
        cpd_area_shrink(pixels, Int32(stride), Int32(width), x0, x1, weights, y0, y1, Int32(outWidth), Int32(outHeight),
                        mean, std, &sums, &out, Int32(outStride))
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                var total = 0
                for yy in Int(y0[y])..<Int(y1[y]) { for xx in Int(x0[x])..<Int(x1[x]) { total += Int(pixels[yy * stride + xx]) } }
                let count = Double((y1[y] - y0[y]) * (x1[x] - x0[x]))
                let expected = (Double(total) / count / 255 - Double(mean)) / Double(std)
                #expect(abs(Double(out[y * outStride + x]) - expected) < 1e-5, "(\(x), \(y))")
            }
            #expect(out[y * outStride + outWidth] == -9, "nothing written past the row")
        }
    }

    /// An upright quadrilateral over a horizontal ramp samples the ramp; its corners at pixel corners put the samples
    /// at pixel centres; beyond the plane the samples take its edge; a quadrilateral with no finite corner reads
    /// the plane's corner rather than crashing.
    @Test func quadrilateralSamplesAreBilinear() {
        let (w, h) = (20, 6)
        let plane = Plane(width: w, height: h, pixels: (0..<(w * h)).map { UInt8(($0 % w) * 10) })
        var out: [Float] = []
        // Columns 4..<12, rows 1..<5, sampled 8 × 4: one sample per pixel, at its centre.
        CropSampler.sample(plane, quad: Quadrilateral(x: 4, y: 1, width: 8, height: 4), width: 8, height: 4, mean: 0, std: 1,
                           into: &out)
        #expect(out.count == 32)
        for row in 0..<4 { for column in 0..<8 { #expect(abs(out[row * 8 + column] - Float((4 + column) * 10) / 255) < 1e-6) } }
        // Half as many samples: each halfway between two pixels.
        CropSampler.sample(plane, quad: Quadrilateral(x: 4, y: 1, width: 8, height: 4), width: 4, height: 2, mean: 0, std: 1,
                           into: &out)
        for column in 0..<4 { #expect(abs(out[column] - Float(4 + 2 * column) * 10 / 255 - 5 / 255) < 1e-6) }
        // Far off the plane on the right: the last column's value, normalised.
        CropSampler.sample(plane, quad: Quadrilateral(x: 1e9, y: -1e9, width: 10, height: 3), width: 4, height: 2, mean: 0.5,
                           std: 0.5, into: &out)
        #expect(out.allSatisfy { abs($0 - (Float((w - 1) * 10) / 255 - 0.5) / 0.5) < 1e-6 })
        let nowhere = Quadrilateral([(.nan, .nan), (.infinity, .nan), (-.infinity, .infinity), (.nan, -.infinity)])
        CropSampler.sample(plane, quad: nowhere, width: 4, height: 2, mean: 0, std: 1, into: &out)
        #expect(out.count == 8 && out.allSatisfy(\.isFinite))
    }

    /// The vector sampler against the scalar one, bit for bit: quadrilaterals inside the plane, across its edges and
    /// its last byte (where the vector path's two-pixel fetch must not read past the plane), far off it, not finite;
    /// planes down to 2 × 2 and 4 × 1; sample widths that are not multiples of the vector width.
    @Test(arguments: [(w: 37, h: 23), (w: 2, h: 2), (w: 4, h: 1), (w: 640, h: 9)])
    func theVectorSamplerMatchesTheScalarOne(w: Int, h: Int) {
        var generator = SeededGenerator(seed: UInt64(w * 100 + h))
        let pixels = (0..<(w * h)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let (fw, fh) = (Double(w), Double(h))
        var quads: [[Double]] = [
            [0, 0, fw, 0, fw, fh, 0, fh],                                 // the whole plane: the last byte included
            [fw - 1.5, fh - 1.5, fw + 3, fh - 1, fw + 2.5, fh + 4, fw - 2, fh + 3],  // over the bottom-right corner
            [-1e9, 5, 1e9, -7, 1e12, 1e12, -3, 1e9],                      // far off
            [.nan, 0, .infinity, 1, -.infinity, .nan, 2, .infinity],      // not finite
        ]
        for _ in 0..<20 {
            quads.append((0..<8).map { index in Double.random(in: -3...((index % 2 == 0 ? fw : fh) + 3), using: &generator) })
        }
        for quad in quads {
            for (width, height) in [(128, 32), (13, 5), (1, 1), (8, 3)] {
                var vector = [Float](repeating: 0, count: width * height), scalar = vector
                cpd_sample_quad(pixels, Int32(w), Int32(h), quad, Int32(width), Int32(height), 0.5, 0.25, &vector)
                cpd_sample_quad_portable(pixels, Int32(w), Int32(h), quad, Int32(width), Int32(height), 0.5, 0.25, &scalar)
                let differs = vector.indices.first { vector[$0].bitPattern != scalar[$0].bitPattern }
                #expect(differs == nil, "quad \(quad), \(width) × \(height): sample \(differs ?? -1)")
            }
        }
    }
}
