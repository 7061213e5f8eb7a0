import CPlateKernels
import Foundation
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

    /// Mean length of the top and bottom edges.
    var topWidth: Double {
        (hypot(points[1].x - points[0].x, points[1].y - points[0].y) + hypot(points[2].x - points[3].x, points[2].y - points[3].y)) / 2
    }

    /// Mean length of the left and right edges.
    var sideHeight: Double {
        (hypot(points[3].x - points[0].x, points[3].y - points[0].y) + hypot(points[2].x - points[1].x, points[2].y - points[1].y)) / 2
    }

    /// Grown (or shrunk, when negative) along its own axes: `x` of its width on the left and on the right,
    /// `y` of its height above and below.
    func expanded(x: Double, y: Double) -> Quadrilateral {
        let p = points
        // Sides first (along the top and bottom edges), then top and bottom (along the new sides).
        let tl = mix(p[0], p[1], -x), tr = mix(p[0], p[1], 1 + x)
        let bl = mix(p[3], p[2], -x), br = mix(p[3], p[2], 1 + x)
        return Quadrilateral([mix(tl, bl, -y), mix(tr, br, -y), mix(tr, br, 1 + y), mix(tl, bl, 1 + y)])
    }

    /// Midpoints of the left (top-left to bottom-left) and right sides.
    var leftMidpoint: (x: Double, y: Double) { ((points[0].x + points[3].x) / 2, (points[0].y + points[3].y) / 2) }
    var rightMidpoint: (x: Double, y: Double) { ((points[1].x + points[2].x) / 2, (points[1].y + points[2].y) / 2) }

    /// The part between fractions `range` of the width (may reach outside 0…1), full height.
    func slice(_ range: ClosedRange<Double>) -> Quadrilateral {
        let p = points
        return Quadrilateral([mix(p[0], p[1], range.lowerBound), mix(p[0], p[1], range.upperBound),
                              mix(p[3], p[2], range.upperBound), mix(p[3], p[2], range.lowerBound)])
    }

    /// The part between fractions `range` of the height (may reach outside 0…1), full width, along its sides.
    func rows(_ range: ClosedRange<Double>) -> Quadrilateral {
        let p = points
        return Quadrilateral([mix(p[0], p[3], range.lowerBound), mix(p[1], p[2], range.lowerBound),
                              mix(p[1], p[2], range.upperBound), mix(p[0], p[3], range.upperBound)])
    }

    /// This quadrilateral's sides with `other`'s top and bottom: each side is re-cut where `other`'s top and
    /// bottom edges lie (measured as fractions of this one's height at that side).
    func withVerticalExtent(of other: Quadrilateral) -> Quadrilateral {
        let p = points, o = other.points
        // Fractions of the left side where other's top-left and bottom-left sit (by y), likewise on the right.
        func fraction(_ top: (x: Double, y: Double), _ bottom: (x: Double, y: Double), _ y: Double) -> Double {
            bottom.y - top.y > 0.001 ? (y - top.y) / (bottom.y - top.y) : 0
        }
        let lt = fraction(p[0], p[3], o[0].y), lb = fraction(p[0], p[3], o[3].y)
        let rt = fraction(p[1], p[2], o[1].y), rb = fraction(p[1], p[2], o[2].y)
        return Quadrilateral([mix(p[0], p[3], lt), mix(p[1], p[2], rt), mix(p[1], p[2], rb), mix(p[0], p[3], lb)])
    }

    /// The point a fraction `t` of the way from `a` to `b` (beyond them when outside 0…1).
    private func mix(_ a: (x: Double, y: Double), _ b: (x: Double, y: Double), _ t: Double) -> (x: Double, y: Double) {
        (a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t)
    }

    public static func == (lhs: Quadrilateral, rhs: Quadrilateral) -> Bool {
        zip(lhs.points, rhs.points).allSatisfy { $0.x == $1.x && $0.y == $1.y }
    }
}

/// Samples a plate region of the luma plane into the recogniser's input
/// (bilinear, straight from the full-resolution frame, normalised; `cpd_sample_quad`).
enum CropSampler {
    static func sample(_ plane: Plane, quad: Quadrilateral, width: Int, height: Int, mean: Float, std: Float,
                       into output: inout [Float]) {
        if output.count != width * height { output = [Float](repeating: 0, count: width * height) }
        guard plane.width > 0, plane.height > 0, plane.pixels.count >= plane.width * plane.height else {
            output.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }  // nothing to sample: no stale crop
            return
        }
        let corners = quad.points.flatMap { [$0.x, $0.y] }
        plane.pixels.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                cpd_sample_quad(src.baseAddress!, Int32(plane.width), Int32(plane.height), corners, Int32(width),
                                Int32(height), mean, std, dst.baseAddress!)
            }
        }
    }
}
