import Foundation
import Imaging
import Plates

/// The plate's background colour from the mean chroma inside its box; `unknown` on a frame with no colour.
enum PlateColour {
    /// `isGrey`: whether the whole frame has no colour, asked only for a box of neutral chroma (it looks at the frame).
    static func classify(_ image: YCbCrImage, quad: Quadrilateral, region: PlateRegion?, isGrey: @autoclosure () -> Bool) -> PlateKind {
        guard region == nil || region == .cn else { return .latin }
        let box = quad.boundingBox
        let x0 = max(0, Int(box.x) / 2), y0 = max(0, Int(box.y) / 2)
        let x1 = min(image.cb.width, Int(box.x + box.width) / 2), y1 = min(image.cb.height, Int(box.y + box.height) / 2)
        guard x1 > x0, y1 > y0 else { return region == nil ? .latin : .blue }
        var u = 0, v = 0, l = 0, n = 0
        for y in y0..<y1 {
            for x in x0..<x1 {
                u += Int(image.cb[x, y]); v += Int(image.cr[x, y])
                l += Int(image.luma[min(image.width - 1, 2 * x), min(image.height - 1, 2 * y)])
                n += 1
            }
        }
        let luma = l / n
        // Blue plates are most plates, and dim, hazy or night-time ones keep blue's hue while their chroma falls
        // to a third of a clear one's: the hue decides there. Yellow and green keep the strict test (a yellow
        // street light or a cyan cast on a blue plate's white characters must not make it a truck's or a
        // new-energy plate).
        let cb = u / n, cr = v / n
        let (db, dr) = (Double(cb - 128), Double(cr - 128))
        if (cb > 140 && cr < 125)
            || ((db * db + dr * dr).squareRoot() >= Self.leastSaturation && Self.apart(Foundation.atan2(dr, db) * 180 / .pi, Self.blueHue) <= Self.blueHueWidth) {
            return .blue
        }
        if cb < 110 && cr > 130 { return .yellow }
        if cb < 122 && cr < 122 { return .green }
        if region == nil { return .latin }
        // Neutral chroma: a white or black plate, or a frame with no colour at all (then any plate looks so).
        if isGrey() { return .unknown }
        return luma > 128 ? .white : .black
    }

    /// Chroma (distance from neutral, in 8-bit Cb/Cr units) from which a box's hue counts.
    static let leastSaturation = 12.0
    /// Blue plates' hue, the angle of (Cb − 128, Cr − 128) in degrees (the median of the real training crops
    /// and of the generator's plates), and how far from it a hue still counts as blue.
    static let blueHue = -30.0
    static let blueHueWidth = 35.0

    /// Degrees between two hues.
    static func apart(_ a: Double, _ b: Double) -> Double { abs((a - b + 540).truncatingRemainder(dividingBy: 360) - 180) }
}
