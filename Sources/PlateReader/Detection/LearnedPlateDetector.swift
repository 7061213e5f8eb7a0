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
    var workingWidth = 512
    /// Cells above this probability are plate.
    var threshold: Float = 0.5
    var maxCandidates = 6
    var minPlateWidth = 40

    private let network: Network
    private var input: [Float] = []
    private var cells: [Int32] = []
    private var stack: [Int32] = []

    init(model: DetectorModel) {
        self.model = model
        network = Network(layers: model.layers)
    }

    func candidates(in image: YCbCrImage) -> [QuadCandidate] {
        let stride = model.stride
        let scale = min(1, Double(workingWidth) / Double(image.width))
        let width = max(1, Int((Double(image.width) * scale).rounded())), height = max(1, Int((Double(image.height) * scale).rounded()))
        // The network needs whole cells: pad right and bottom with mid-grey (0 once normalised).
        let paddedWidth = (width + stride - 1) / stride * stride, paddedHeight = (height + stride - 1) / stride * stride
        guard paddedWidth >= stride * 2, paddedHeight >= stride * 2 else { return [] }
        shrink(image.luma, to: width, height, padded: paddedWidth, paddedHeight)
        let shape = network.run(input, channels: 1, height: paddedHeight, width: paddedWidth)
        let output = network.output
        let columns = shape.width, rows = shape.height, plane = rows * columns
        // Frame pixels per network-input pixel, per axis (rounding makes them differ slightly).
        let sx = Double(image.width) / Double(width), sy = Double(image.height) / Double(height)
        let logit = Self.logit(threshold)
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
                // Eight neighbours: a thin or tilted plate is still one component.
                for dy in -1...1 {
                    let y = row + dy
                    guard y >= 0 && y < rows else { continue }
                    for dx in -1...1 where dx != 0 || dy != 0 {
                        let x = column + dx
                        guard x >= 0 && x < columns else { continue }
                        let j = y * columns + x
                        if cells[j] == 0 && output[j] > logit {
                            cells[j] = label
                            stack.append(Int32(j))
                        }
                    }
                }
            }
            let points = (0..<4).map { k in
                (x: min(Double(image.width), max(0, corners[2 * k] / weights[k] * sx)),
                 y: min(Double(image.height), max(0, corners[2 * k + 1] / weights[k] * sy)))
            }
            let quad = Quadrilateral(points)
            let box = quad.boundingBox
            guard box.width >= Double(minPlateWidth), box.height >= 4, box.width >= box.height else { continue }
            found.append(QuadCandidate(quad: quad, score: Double(Self.sigmoid(best))))
        }
        var kept: [QuadCandidate] = []
        for candidate in found.sorted(by: { $0.score > $1.score }) {
            if kept.contains(where: { intersectionOverUnion($0.quad.boundingBox, candidate.quad.boundingBox) > 0.5 }) { continue }
            kept.append(candidate)
            if kept.count == maxCandidates { break }
        }
        return kept
    }

    /// Area-averaged shrink of the luma plane into `input`, normalised, padded with 0.
    private func shrink(_ plane: Plane, to width: Int, _ height: Int, padded paddedWidth: Int, _ paddedHeight: Int) {
        let count = paddedWidth * paddedHeight
        if input.count != count { input = [Float](repeating: 0, count: count) }
        let mean = model.mean, std = model.std
        let fx = Double(plane.width) / Double(width), fy = Double(plane.height) / Double(height)
        plane.pixels.withUnsafeBufferPointer { src in
            input.withUnsafeMutableBufferPointer { dst in
                for i in 0..<count { dst[i] = 0 }
                for y in 0..<height {
                    let y0 = Int(Double(y) * fy), y1 = max(y0 + 1, min(plane.height, Int(Double(y + 1) * fy)))
                    for x in 0..<width {
                        let x0 = Int(Double(x) * fx), x1 = max(x0 + 1, min(plane.width, Int(Double(x + 1) * fx)))
                        var sum = 0
                        for yy in y0..<y1 {
                            let row = yy * plane.width
                            for xx in x0..<x1 { sum += Int(src[row + xx]) }
                        }
                        let value = Float(sum) / Float((y1 - y0) * (x1 - x0)) / 255
                        dst[y * paddedWidth + x] = (value - mean) / std
                    }
                }
            }
        }
    }

    static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }
    static func logit(_ p: Float) -> Float { Foundation.log(p / (1 - p)) }
}
