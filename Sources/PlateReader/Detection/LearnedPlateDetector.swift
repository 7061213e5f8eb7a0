import CPlateKernels
import Foundation
import Imaging

/// A plate the learned detector found: its four corners in frame pixels and how sure it is.
struct QuadCandidate: Sendable {
    var quad: Quadrilateral
    var score: Double
}

/// Finds plates with the trained detector: the luma plane is shrunk so the
/// frame is about `workingWidth` pixels wide (plates of 60–600 px on a camera
/// frame land in the 12–180 px the network was trained on), the network marks
/// plate cells and predicts each plate's corners from every cell on it, and
/// the cells of one plate vote for its corners weighted by their scores.
/// Buffers are reused between frames; not thread-safe (one per reader).
final class LearnedPlateDetector {
    let model: DetectorModel
    var workingWidth = 640
    /// Cells above this probability are plate.
    var threshold: Float = 0.5
    var maxCandidates = PlateReader.Settings.defaultMaxCandidates
    var minPlateWidth = 40

    private let network: Network
    private var input: [Float] = []
    /// The size of the frame region shrunk into `input` by the last pass (its valid part, and its row length).
    private var shrunk = (width: 0, height: 0, paddedWidth: 0)
    private var halved: [Float] = []
    private var cells: [Int32] = []
    private var stack: [Int32] = []
    private var columnSums: [Int32] = []
    private var columnStarts: [Int32] = []
    private var columnEnds: [Int32] = []
    private var columnWeights: [Float] = []
    private var rowStarts: [Int32] = []
    private var rowEnds: [Int32] = []

    init(model: DetectorModel) {
        self.model = model
        network = Network(layers: model.layers)
    }

    func candidates(in image: YCbCrImage) -> [QuadCandidate] {
        let scale = min(1, Double(workingWidth) / Double(image.width))
        let whole = (x: 0, y: 0, width: image.width, height: image.height)
        shrunk = (0, 0, 0)  // a frame too small for the first pass leaves nothing to halve
        let first = pass(image, region: whole, scale: scale, collectWeak: zoomWindows > 0)
        var found = first.plates
        // A plate wider than the network was trained on (180 px) breaks into pieces, or is missed, at the first
        // scale: look at half the scale too (its input is the first's, halved; a quarter of the first pass's
        // work) and add the big plates found there. Only sure ones: at that scale a car's grille or rear window
        // can pass for one.
        if coarseFrom > 0, shrunk.width / 2 >= model.stride * 2 {
            found += pass(image, region: whole, scale: scale / 2, collectWeak: false, halving: true).plates
                .filter { $0.quad.boundingBox.width * scale >= Double(coarseFrom) && $0.score >= coarseScore }
        }
        let zoomScale = min(1, 2 * scale)
        if zoomScale > scale * 1.3 && refineBelow > 0 {
            // A small plate's corners are a few input pixels off, which is a character on it: place them again
            // at twice the scale, in a window around it.
            for (index, plate) in found.enumerated() where plate.quad.boundingBox.width * scale < Double(refineBelow) {
                let box = plate.quad.boundingBox
                let half = (x: Int(max(box.width, Double(zoomWindowSize.width) / 2 / scale)),
                            y: Int(max(box.height * 1.5, Double(zoomWindowSize.height) / 2 / scale)))
                let region = Self.window(around: (box.x + box.width / 2, box.y + box.height / 2), half: half, in: image)
                let again = pass(image, region: region, scale: zoomScale, collectWeak: false).plates
                // The same plate: its centre within the first box (a corrected box may be much smaller).
                let same = again.filter { candidate in
                    let b = candidate.quad.boundingBox
                    return Self.inside((b.x + b.width / 2, b.y + b.height / 2), box)
                }
                if let best = same.max(by: { $0.score < $1.score }) {
                    found[index].quad = best.quad
                }
            }
        }
        // Plates too small for the first pass mostly still stir a few cells: look again at twice the scale
        // around the strongest of those, each window a few plate-widths wide (a bounded, small cost).
        if zoomScale > scale * 1.3 {
            let half = (x: Int(Double(zoomWindowSize.width) / 2 / scale), y: Int(Double(zoomWindowSize.height) / 2 / scale))
            var looked: [Box] = []
            for centre in first.weak where looked.count < zoomWindows {
                // Not where a plate was found, nor where a window already looked.
                if found.contains(where: { Self.inside(centre, $0.quad.boundingBox) }) || looked.contains(where: { Self.inside(centre, $0) }) {
                    continue
                }
                let region = Self.window(around: centre, half: half, in: image)
                looked.append((Double(region.x), Double(region.y), Double(region.width), Double(region.height)))
                found += pass(image, region: region, scale: zoomScale, collectWeak: false).plates
            }
        }
        var kept: [QuadCandidate] = []
        for candidate in found.sorted(by: { $0.score > $1.score }) {
            if kept.contains(where: { intersectionOverUnion($0.quad.boundingBox, candidate.quad.boundingBox) > 0.5 }) { continue }
            kept.append(candidate)
            if kept.count == maxCandidates { break }
        }
        return kept
    }

    typealias Box = (x: Double, y: Double, width: Double, height: Double)

    /// The plate at `box` (frame pixels) placed again at `factor` times the working scale, in a window around it:
    /// the detector's corners move with scale, so this is a second, independent box for a plate already found.
    /// The surest candidate whose centre lies in `box`; nil when there is none.
    func again(_ box: Box, in image: YCbCrImage, factor: Double) -> QuadCandidate? {
        let scale = min(1, Double(workingWidth) / Double(image.width) * factor)
        let half = (x: Int(max(box.width, Double(zoomWindowSize.width) / scale)),
                    y: Int(max(box.height * 1.5, Double(zoomWindowSize.height) / scale)))
        let region = Self.window(around: (box.x + box.width / 2, box.y + box.height / 2), half: half, in: image)
        return pass(image, region: region, scale: scale, collectWeak: false).plates
            .filter { let b = $0.quad.boundingBox; return Self.inside((b.x + b.width / 2, b.y + b.height / 2), box) }
            .max { $0.score < $1.score }
    }

    static func inside(_ point: (x: Double, y: Double), _ box: Box) -> Bool {
        point.x >= box.x && point.x <= box.x + box.width && point.y >= box.y && point.y <= box.y + box.height
    }

    /// The frame region `half` pixels either way of `centre`, moved (not cut) to stay inside the frame where it can.
    static func window(around centre: (x: Double, y: Double), half: (x: Int, y: Int), in image: YCbCrImage)
        -> (x: Int, y: Int, width: Int, height: Int) {
        let x0 = max(0, min(image.width - 2 * half.x, Int(centre.x) - half.x))
        let y0 = max(0, min(image.height - 2 * half.y, Int(centre.y) - half.y))
        return (x0, y0, min(image.width - x0, 2 * half.x), min(image.height - y0, 2 * half.y))
    }

    /// Most windows looked at again at twice the scale per frame (0: none).
    var zoomWindows = 6
    /// A zoom window's size in first-pass pixels: a few widths of the plates the first pass misses (< 24 px).
    var zoomWindowSize = (width: 64, height: 32)
    /// Plates found narrower than this (first-pass pixels) get their corners placed again at twice the scale (0: never).
    var refineBelow = 48
    /// Cells between this probability and `threshold` may be a plate too small to see at the first scale.
    var weakThreshold: Float = 0.15
    /// Plates found at half the scale count from this width (first-pass pixels; 0: no half-scale pass): where
    /// the first pass starts to lose them (it was trained on plates up to 180 px).
    var coarseFrom = 128
    /// Plates found at half the scale count from this score.
    var coarseScore = 0.9

    /// One run of the network over `region` of the frame shrunk by `scale`: the plates it finds (frame pixels)
    /// and, when asked, the centres (frame pixels) of groups of weak cells, strongest first.
    /// `halving`: the input is the last shrunk one halved (2×2 means; `region` the same, `scale` half), not the
    /// frame shrunk again.
    private func pass(_ image: YCbCrImage, region: (x: Int, y: Int, width: Int, height: Int), scale: Double,
                      collectWeak: Bool, halving: Bool = false) -> (plates: [QuadCandidate], weak: [(x: Double, y: Double)]) {
        let stride = model.stride
        let width = halving ? shrunk.width / 2 : max(1, Int((Double(region.width) * scale).rounded()))
        let height = halving ? shrunk.height / 2 : max(1, Int((Double(region.height) * scale).rounded()))
        // The network needs whole cells: pad right and bottom with mid-grey (0 once normalised).
        let paddedWidth = (width + stride - 1) / stride * stride, paddedHeight = (height + stride - 1) / stride * stride
        guard paddedWidth >= stride * 2, paddedHeight >= stride * 2 else { return ([], []) }
        if halving {
            halve(to: width, height, padded: paddedWidth, paddedHeight)
        } else {
            shrink(image.luma, region: region, to: width, height, padded: paddedWidth, paddedHeight)
            shrunk = (width, height, paddedWidth)
        }
        let shape = network.run(halving ? halved : input, channels: 1, height: paddedHeight, width: paddedWidth)
        let output = network.output
        let columns = shape.width, rows = shape.height, plane = rows * columns
        // Frame pixels per network-input pixel, per axis (rounding makes them differ slightly).
        let sx = Double(region.width) / Double(width), sy = Double(region.height) / Double(height)
        let ox = Double(region.x), oy = Double(region.y)
        let logit = Self.logit(threshold), weakLogit = Self.logit(weakThreshold)
        if cells.count < plane { cells = [Int32](repeating: 0, count: plane) }
        for i in 0..<plane { cells[i] = 0 }
        var found: [QuadCandidate] = []
        var label: Int32 = 0
        for start in 0..<plane where output[start] > logit && cells[start] == 0 {
            label += 1
            cells[start] = label
            stack.removeAll(keepingCapacity: true)
            stack.append(Int32(start))
            var corners = [Double](repeating: 0, count: 8), weights = [Double](repeating: 0, count: 4), best: Float = -.infinity
            while let last = stack.popLast() {
                let i = Int(last), row = i / columns, column = i % columns
                let p = Double(Self.sigmoid(output[i]))
                best = max(best, output[i])
                let cx = (Double(column) + 0.5) * Double(stride), cy = (Double(row) + 0.5) * Double(stride)
                for corner in 0..<4 {
                    let dx = Double(output[(2 * corner + 1) * plane + i]) * Double(model.geometryScale)
                    let dy = Double(output[(2 * corner + 2) * plane + i]) * Double(model.geometryScale)
                    // A cell sees about 60 px around it: the cells nearest a corner place it best, so a long
                    // plate's far end is not averaged with the guesses of cells that cannot see it.
                    let distance = (dx * dx + dy * dy).squareRoot() / (2 * Double(stride))
                    let w = p / (1 + distance * distance)
                    corners[2 * corner] += w * (cx + dx)
                    corners[2 * corner + 1] += w * (cy + dy)
                    weights[corner] += w
                }
                forEachNeighbour(of: i, columns: columns, rows: rows) { j in
                    if cells[j] == 0 && output[j] > logit {
                        cells[j] = label
                        stack.append(Int32(j))
                    }
                }
            }
            let points = (0..<4).map { k in
                (x: min(Double(image.width), max(0, ox + corners[2 * k] / weights[k] * sx)),
                 y: min(Double(image.height), max(0, oy + corners[2 * k + 1] / weights[k] * sy)))
            }
            let quad = Quadrilateral(points)
            let box = quad.boundingBox
            guard box.width >= Double(minPlateWidth), box.height >= 4, box.width >= box.height else { continue }
            found.append(QuadCandidate(quad: quad, score: Double(Self.sigmoid(best))))
        }
        guard collectWeak else { return (found, []) }
        // Groups of weak cells (none of them strong): their centre and their strongest cell.
        var weak: [(centre: (x: Double, y: Double), score: Float)] = []
        for start in 0..<plane where output[start] > weakLogit && cells[start] == 0 {
            label += 1
            cells[start] = label
            stack.removeAll(keepingCapacity: true)
            stack.append(Int32(start))
            var sumX = 0.0, sumY = 0.0, count = 0.0, best: Float = -.infinity
            while let last = stack.popLast() {
                let i = Int(last)
                sumX += Double(i % columns) + 0.5
                sumY += Double(i / columns) + 0.5
                count += 1
                best = max(best, output[i])
                forEachNeighbour(of: i, columns: columns, rows: rows) { j in
                    if cells[j] == 0 && output[j] > weakLogit {
                        cells[j] = label
                        stack.append(Int32(j))
                    }
                }
            }
            weak.append(((ox + sumX / count * Double(stride) * sx, oy + sumY / count * Double(stride) * sy), best))
        }
        return (found, weak.sorted { $0.score > $1.score }.map(\.centre))
    }

    /// Eight neighbours: a thin or tilted plate is still one component.
    @inline(__always)
    private func forEachNeighbour(of i: Int, columns: Int, rows: Int, _ body: (Int) -> Void) {
        let row = i / columns, column = i % columns
        for dy in -1...1 {
            let y = row + dy
            guard y >= 0 && y < rows else { continue }
            for dx in -1...1 where dx != 0 || dy != 0 {
                let x = column + dx
                guard x >= 0 && x < columns else { continue }
                body(y * columns + x)
            }
        }
    }

    /// Area-averaged shrink of `region` of the luma plane into `input`, normalised, padded with 0
    /// (`cpd_area_shrink`: each output row adds its source rows column by column, vectorised, then each output
    /// pixel adds its columns of that).
    private func shrink(_ plane: Plane, region: (x: Int, y: Int, width: Int, height: Int), to width: Int, _ height: Int,
                        padded paddedWidth: Int, _ paddedHeight: Int) {
        let count = paddedWidth * paddedHeight
        if input.count != count { input = [Float](repeating: 0, count: count) }
        if columnSums.count < region.width + 1 { columnSums = [Int32](repeating: 0, count: region.width + 1) }
        let fx = Double(region.width) / Double(width), fy = Double(region.height) / Double(height)
        // Each output column's and row's source span (relative to the region), worked out once per pass.
        if columnStarts.count < width {
            (columnStarts, columnEnds) = ([Int32](repeating: 0, count: width), [Int32](repeating: 0, count: width))
            columnWeights = [Float](repeating: 0, count: width)
        }
        if rowStarts.count < height { (rowStarts, rowEnds) = ([Int32](repeating: 0, count: height), [Int32](repeating: 0, count: height)) }
        for x in 0..<width {
            let x0 = Int(Double(x) * fx)
            columnStarts[x] = Int32(x0)
            columnEnds[x] = Int32(max(x0 + 1, min(region.width, Int(Double(x + 1) * fx))))
            columnWeights[x] = 1 / Float(columnEnds[x] - columnStarts[x])
        }
        for y in 0..<height {
            let y0 = Int(Double(y) * fy)
            rowStarts[y] = Int32(y0)
            rowEnds[y] = Int32(max(y0 + 1, min(region.height, Int(Double(y + 1) * fy))))
        }
        plane.pixels.withUnsafeBufferPointer { src in
            input.withUnsafeMutableBufferPointer { dst in
                dst.update(repeating: 0)
                cpd_area_shrink(src.baseAddress! + region.y * plane.width + region.x, Int32(plane.width), Int32(region.width),
                                columnStarts, columnEnds, columnWeights, rowStarts, rowEnds, Int32(width), Int32(height), model.mean, model.std,
                                &columnSums, dst.baseAddress!, Int32(paddedWidth))
            }
        }
    }

    /// The last shrunk input (`input`) halved: each pixel the mean of a 2×2 block, padded with 0.
    private func halve(to width: Int, _ height: Int, padded paddedWidth: Int, _ paddedHeight: Int) {
        let count = paddedWidth * paddedHeight
        if halved.count != count { halved = [Float](repeating: 0, count: count) }
        let source = shrunk.paddedWidth
        input.withUnsafeBufferPointer { src in
            halved.withUnsafeMutableBufferPointer { dst in
                dst.update(repeating: 0)
                for y in 0..<height {
                    let top = 2 * y * source, bottom = top + source
                    for x in 0..<width {
                        dst[y * paddedWidth + x] = 0.25 * (src[top + 2 * x] + src[top + 2 * x + 1] + src[bottom + 2 * x] + src[bottom + 2 * x + 1])
                    }
                }
            }
        }
    }

    static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }
    static func logit(_ p: Float) -> Float { Foundation.log(p / (1 - p)) }
}
