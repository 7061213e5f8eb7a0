import Imaging

/// A quadrilateral in frame pixels: top-left, top-right, bottom-right, bottom-left.
public struct Quadrilateral: Sendable, Equatable {
    public var points: [(x: Double, y: Double)]

    public init(_ points: [(x: Double, y: Double)]) {
        precondition(points.count == 4)
        self.points = points
    }

    public init(x: Double, y: Double, width: Double, height: Double) {
        points = [(x, y), (x + width, y), (x + width, y + height), (x, y + height)]
    }

    public var boundingBox: (x: Double, y: Double, width: Double, height: Double) {
        let xs = points.map(\.x), ys = points.map(\.y)
        return (xs.min()!, ys.min()!, xs.max()! - xs.min()!, ys.max()! - ys.min()!)
    }

    public static func == (lhs: Quadrilateral, rhs: Quadrilateral) -> Bool {
        zip(lhs.points, rhs.points).allSatisfy { $0.x == $1.x && $0.y == $1.y }
    }
}

/// Samples a plate region of the luma plane into the recogniser's input
/// (bilinear, straight from the full-resolution frame, normalised).
enum CropSampler {
    static func sample(_ plane: Plane, quad: Quadrilateral, width: Int, height: Int, mean: Float, std: Float,
                       into output: inout [Float]) {
        if output.count != width * height { output = [Float](repeating: 0, count: width * height) }
        let p = quad.points
        let w = plane.width, h = plane.height
        plane.pixels.withUnsafeBufferPointer { src in
            for row in 0..<height {
                let v = (Double(row) + 0.5) / Double(height)
                // Left and right edges at this height, then across.
                let lx = p[0].x + (p[3].x - p[0].x) * v, ly = p[0].y + (p[3].y - p[0].y) * v
                let rx = p[1].x + (p[2].x - p[1].x) * v, ry = p[1].y + (p[2].y - p[1].y) * v
                for column in 0..<width {
                    let u = (Double(column) + 0.5) / Double(width)
                    let x = lx + (rx - lx) * u - 0.5, y = ly + (ry - ly) * u - 0.5
                    let x0 = max(0, min(w - 1, Int(x.rounded(.down)))), y0 = max(0, min(h - 1, Int(y.rounded(.down))))
                    let x1 = min(w - 1, x0 + 1), y1 = min(h - 1, y0 + 1)
                    let fx = Float(max(0, min(1, x - Double(x0)))), fy = Float(max(0, min(1, y - Double(y0))))
                    let top = Float(src[y0 * w + x0]) * (1 - fx) + Float(src[y0 * w + x1]) * fx
                    let bottom = Float(src[y1 * w + x0]) * (1 - fx) + Float(src[y1 * w + x1]) * fx
                    let value = (top * (1 - fy) + bottom * fy) / 255
                    output[row * width + column] = (value - mean) / std
                }
            }
        }
    }
}
