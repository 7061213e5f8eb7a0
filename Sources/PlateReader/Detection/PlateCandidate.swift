/// A region that may hold a plate, in full-resolution pixels, with how plate-like it looked.
struct PlateCandidate: Sendable {
    var x: Double
    var y: Double
    var width: Double
    var height: Double
    var score: Double
    /// What found it: `edges` (dense vertical strokes) or a plate colour.
    var source: String

    var box: PixelBox { (x, y, width, height) }
}
