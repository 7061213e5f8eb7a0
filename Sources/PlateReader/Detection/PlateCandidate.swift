/// A region that may hold a plate, in full-resolution pixels, with how plate-like it looked.
struct PlateCandidate: Sendable {
    var x: Double
    var y: Double
    var width: Double
    var height: Double
    var score: Double
    /// What found it: `edges` (dense vertical strokes) or a plate colour.
    var source: String

    var area: Double { width * height }

    func intersectionOverUnion(_ other: PlateCandidate) -> Double {
        let ix = max(0, min(x + width, other.x + other.width) - max(x, other.x))
        let iy = max(0, min(y + height, other.y + other.height) - max(y, other.y))
        let intersection = ix * iy
        let union = area + other.area - intersection
        return union > 0 ? intersection / union : 0
    }
}
