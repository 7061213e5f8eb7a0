/// An axis-aligned box in frame pixels.
typealias PixelBox = (x: Double, y: Double, width: Double, height: Double)

/// Intersection over union of two boxes: the reader's overlap measure (duplicate candidates,
/// duplicate reads); matching reads to labels also uses the quadrilateral's own (below).
func intersectionOverUnion(_ a: PixelBox, _ b: PixelBox) -> Double {
    let ix = max(0, min(a.x + a.width, b.x + b.width) - max(a.x, b.x))
    let iy = max(0, min(a.y + a.height, b.y + b.height) - max(a.y, b.y))
    let union = a.width * a.height + b.width * b.height - ix * iy
    return union > 0 ? ix * iy / union : 0
}

/// Intersection over union of an upright box and a quadrilateral (a read's plate, tilted or not).
func intersectionOverUnion(_ box: PixelBox, _ quad: Quadrilateral) -> Double {
    let inside = polygonArea(clip(quad.points, to: box))
    let union = box.width * box.height + polygonArea(quad.points) - inside
    return union > 0 ? inside / union : 0
}

/// Area of a simple polygon (either winding), by the shoelace formula.
func polygonArea(_ points: [(x: Double, y: Double)]) -> Double {
    guard points.count >= 3 else { return 0 }
    var twice = 0.0
    for (a, b) in zip(points, points.dropFirst() + [points[0]]) { twice += a.x * b.y - b.x * a.y }
    return abs(twice) / 2
}

/// The part of a polygon inside an upright box (Sutherland–Hodgman: clipped by each of the box's four sides).
func clip(_ polygon: [(x: Double, y: Double)], to box: PixelBox) -> [(x: Double, y: Double)] {
    typealias Point = (x: Double, y: Double)
    // Each side as "inside" test and where a segment crosses it.
    let sides: [(inside: (Point) -> Bool, cross: (Point, Point) -> Point)] = [
        ({ $0.x >= box.x }, { a, b in (box.x, a.y + (b.y - a.y) * (box.x - a.x) / (b.x - a.x)) }),
        ({ $0.x <= box.x + box.width }, { a, b in
            (box.x + box.width, a.y + (b.y - a.y) * (box.x + box.width - a.x) / (b.x - a.x)) }),
        ({ $0.y >= box.y }, { a, b in (a.x + (b.x - a.x) * (box.y - a.y) / (b.y - a.y), box.y) }),
        ({ $0.y <= box.y + box.height }, { a, b in
            (a.x + (b.x - a.x) * (box.y + box.height - a.y) / (b.y - a.y), box.y + box.height) }),
    ]
    var output = polygon
    for side in sides where !output.isEmpty {
        let input = output
        output = []
        for (index, current) in input.enumerated() {
            let previous = input[(index + input.count - 1) % input.count]
            switch (side.inside(previous), side.inside(current)) {
            case (true, true): output.append(current)
            case (true, false): output.append(side.cross(previous, current))
            case (false, true): output += [side.cross(previous, current), current]
            case (false, false): break
            }
        }
    }
    return output
}
