import Imaging
import Plates

/// The plate's background colour from the mean chroma inside its box; `unknown` on a frame with no colour.
enum PlateColour {
    /// `isGrey`: whether the whole frame has no colour, asked only for a box of neutral chroma (it looks at the frame).
    static func classify(_ image: YCbCrImage, quad: Quadrilateral, region: PlateRegion?, isGrey: () -> Bool) -> PlateKind {
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
        let cb = u / n, cr = v / n, luma = l / n
        if cb > 140 && cr < 125 { return .blue }
        if cb < 110 && cr > 130 { return .yellow }
        if cb < 122 && cr < 122 { return .green }
        if region == nil { return .latin }
        // Neutral chroma: a white or black plate, or a frame with no colour at all (then any plate looks so).
        if isGrey() { return .unknown }
        return luma > 128 ? .white : .black
    }
}
