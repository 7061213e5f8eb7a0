/// An axis-aligned box in frame pixels.
typealias PixelBox = (x: Double, y: Double, width: Double, height: Double)

/// Intersection over union of two boxes: the one overlap measure of the reader
/// (duplicate candidates, duplicate reads, and matching reads to labels).
func intersectionOverUnion(_ a: PixelBox, _ b: PixelBox) -> Double {
    let ix = max(0, min(a.x + a.width, b.x + b.width) - max(a.x, b.x))
    let iy = max(0, min(a.y + a.height, b.y + b.height) - max(a.y, b.y))
    let union = a.width * a.height + b.width * b.height - ix * iy
    return union > 0 ? ix * iy / union : 0
}
