import Foundation
import Imaging

/// Finds plate-like regions cheaply, on a downscaled copy of the frame:
/// text on a plate is a short horizontal band dense in vertical strokes, and
/// Chinese plates also have a distinctive background colour (blue, yellow,
/// green). Candidates are ranked and only the best few go to the recogniser,
/// which makes the final decision. Buffers are reused between frames.
final class PlateDetector {
    /// Largest working width; 1080p frames are halved.
    var workingWidth = 960
    var maxCandidates = 8
    var minPlateWidth = 40

    private var small: [UInt8] = []
    private var edges: [UInt8] = []
    private var band: [UInt8] = []
    private var labels: [Int32] = []
    private var stack: [Int32] = []

    func candidates(in image: YCbCrImage, colour: Bool) -> [PlateCandidate] {
        let factor = max(1, Int((Double(image.width) / Double(workingWidth)).rounded(.up)))
        let w = image.width / factor, h = image.height / factor
        guard w >= 16, h >= 8 else { return [] }
        downscale(image.luma, factor: factor, width: w, height: h)
        var found = strokeBands(width: w, height: h, factor: factor)
        if colour { found += colourRegions(image, factor: max(2, factor)) }
        return suppressOverlaps(found)
    }

    // MARK: - Downscale (box filter)

    private func downscale(_ plane: Plane, factor: Int, width: Int, height: Int) {
        if small.count != width * height { small = [UInt8](repeating: 0, count: width * height) }
        plane.pixels.withUnsafeBufferPointer { src in
            small.withUnsafeMutableBufferPointer { dst in
                let area = factor * factor
                for y in 0..<height {
                    for x in 0..<width {
                        var sum = 0
                        for dy in 0..<factor {
                            let row = (y * factor + dy) * plane.width + x * factor
                            for dx in 0..<factor { sum += Int(src[row + dx]) }
                        }
                        dst[y * width + x] = UInt8(sum / area)
                    }
                }
            }
        }
    }

    // MARK: - Dense vertical strokes

    private func strokeBands(width w: Int, height h: Int, factor: Int) -> [PlateCandidate] {
        let count = w * h
        if edges.count != count { edges = [UInt8](repeating: 0, count: count); band = edges }
        // Vertical edges: horizontal gradient, thresholded at a multiple of its mean.
        var total = 0
        small.withUnsafeBufferPointer { src in
            edges.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let row = y * w
                    dst[row] = 0
                    dst[row + w - 1] = 0
                    for x in 1..<(w - 1) {
                        let g = abs(Int(src[row + x + 1]) - Int(src[row + x - 1]))
                        dst[row + x] = UInt8(min(255, g))
                        total += g
                    }
                }
            }
        }
        let threshold = max(24, 3 * total / max(1, count))
        // A pixel belongs to a text band when the window around it holds enough strong strokes.
        let window = max(8, w / 60)
        let needed = max(3, window / 4)
        edges.withUnsafeBufferPointer { e in
            band.withUnsafeMutableBufferPointer { b in
                for y in 0..<h {
                    let row = y * w
                    var inWindow = 0
                    // Sliding count of strong edges in [x - window/2, x + window/2].
                    for x in 0..<min(w, window / 2) where Int(e[row + x]) >= threshold { inWindow += 1 }
                    for x in 0..<w {
                        let enter = x + window / 2, leave = x - window / 2 - 1
                        if enter < w && Int(e[row + enter]) >= threshold { inWindow += 1 }
                        if leave >= 0 && Int(e[row + leave]) >= threshold { inWindow -= 1 }
                        b[row + x] = inWindow >= needed ? 1 : 0
                    }
                }
            }
        }
        return components(width: w, height: h, factor: factor, source: "edges", minAspect: 1.5, maxAspect: 10)
    }

    // MARK: - Plate colours (Chinese plates)

    private func colourRegions(_ image: YCbCrImage, factor: Int) -> [PlateCandidate] {
        // Work on the chroma planes (already half size): mark blue, yellow and green plate backgrounds.
        let step = max(1, factor / 2)
        let w = image.cb.width / step, h = image.cb.height / step
        guard w >= 8, h >= 4 else { return [] }
        if band.count < w * h { band = [UInt8](repeating: 0, count: w * h) }
        image.cb.pixels.withUnsafeBufferPointer { cb in
            image.cr.pixels.withUnsafeBufferPointer { cr in
                image.luma.pixels.withUnsafeBufferPointer { luma in
                    band.withUnsafeMutableBufferPointer { b in
                        for y in 0..<h {
                            for x in 0..<w {
                                let ci = (y * step) * image.cb.width + x * step
                                let u = Int(cb[ci]), v = Int(cr[ci])
                                let l = Int(luma[(y * step * 2) * image.luma.width + x * step * 2])
                                let blue = u > 150 && v < 125 && l > 30
                                let yellow = u < 105 && v > 135 && l > 90
                                let green = u < 118 && v < 118 && l > 100
                                b[y * w + x] = (blue || yellow || green) ? 1 : 0
                            }
                        }
                    }
                }
            }
        }
        return components(width: w, height: h, factor: step * 2, source: "colour", minAspect: 1.8, maxAspect: 6.5)
    }

    // MARK: - Connected components of `band`

    private func components(width w: Int, height h: Int, factor: Int, source: String,
                            minAspect: Double, maxAspect: Double) -> [PlateCandidate] {
        let count = w * h
        if labels.count < count { labels = [Int32](repeating: 0, count: count) }
        for i in 0..<count { labels[i] = 0 }
        var next: Int32 = 0
        var found: [PlateCandidate] = []
        let minWidth = max(6, minPlateWidth / factor)
        for start in 0..<count where band[start] == 1 && labels[start] == 0 {
            next += 1
            var minX = w, maxX = 0, minY = h, maxY = 0, pixels = 0
            stack.removeAll(keepingCapacity: true)
            stack.append(Int32(start))
            labels[start] = next
            while let last = stack.popLast() {
                let i = Int(last), x = i % w, y = i / w
                pixels += 1
                minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
                // Four neighbours, written out: no array is built per pixel.
                if x > 0 { visit(i - 1, next) }
                if x < w - 1 { visit(i + 1, next) }
                if y > 0 { visit(i - w, next) }
                if y < h - 1 { visit(i + w, next) }
            }
            let bw = maxX - minX + 1, bh = maxY - minY + 1
            let aspect = Double(bw) / Double(bh)
            let fill = Double(pixels) / Double(bw * bh)
            guard bw >= minWidth, bh >= 3, aspect >= minAspect, aspect <= maxAspect, fill >= 0.35,
                  bw < w * 3 / 4 else { continue }
            // Score: filled, plate-shaped (aspect near 3–4) and not tiny.
            let shape = 1 / (1 + abs(log(aspect / 3.5)))
            let score = fill * shape * min(1, Double(bw) / Double(minWidth * 3))
            let f = Double(factor)
            found.append(PlateCandidate(x: Double(minX) * f, y: Double(minY) * f, width: Double(bw) * f,
                                        height: Double(bh) * f, score: score, source: source))
        }
        return found
    }

    @inline(__always)
    private func visit(_ j: Int, _ label: Int32) {
        if band[j] == 1 && labels[j] == 0 {
            labels[j] = label
            stack.append(Int32(j))
        }
    }

    private func suppressOverlaps(_ candidates: [PlateCandidate]) -> [PlateCandidate] {
        var kept: [PlateCandidate] = []
        for candidate in candidates.sorted(by: { $0.score > $1.score }) {
            if kept.contains(where: { intersectionOverUnion($0.box, candidate.box) > 0.5 }) { continue }
            kept.append(candidate)
            if kept.count == maxCandidates { break }
        }
        return kept
    }
}
