/// A colour image as full-resolution luma plus 4:2:0 chroma: the layout cameras
/// deliver, so capture copies planes instead of converting every pixel. Plate
/// finding works on luma alone; the chroma planes give the plate colour.
public struct YCbCrImage: Sendable, Equatable {
    public let luma: Plane
    /// Blue-difference chroma, `(width+1)/2 × (height+1)/2`.
    public let cb: Plane
    /// Red-difference chroma, same size as `cb`.
    public let cr: Plane

    public var width: Int { luma.width }
    public var height: Int { luma.height }

    public init(luma: Plane, cb: Plane, cr: Plane) {
        precondition(cb.width == (luma.width + 1) / 2 && cb.height == (luma.height + 1) / 2
                     && cr.width == cb.width && cr.height == cb.height, "chroma must be 4:2:0 of the luma size")
        self.luma = luma
        self.cb = cb
        self.cr = cr
    }

    /// A grey image (neutral chroma), e.g. from an IR camera at night.
    public init(grey luma: Plane) {
        let cw = (luma.width + 1) / 2, ch = (luma.height + 1) / 2
        self.init(luma: luma, cb: Plane(width: cw, height: ch, filledWith: 128),
                  cr: Plane(width: cw, height: ch, filledWith: 128))
    }

    /// Builds a 4:2:0 image from chroma planes at any of the common subsamplings
    /// (4:4:4, 4:2:2, 4:4:0, 4:2:0), averaging down where needed.
    public init(luma: Plane, anyCb cb: Plane, anyCr cr: Plane) {
        let cw = (luma.width + 1) / 2, ch = (luma.height + 1) / 2
        let horizontally = cb.width != cw
        let vertically = cb.height != ch
        self.init(luma: luma, cb: cb.halved(horizontally: horizontally, vertically: vertically),
                  cr: cr.halved(horizontally: horizontally, vertically: vertically))
    }

    /// Whether the picture carries no colour: the mean chroma of every block of 32 × 32 chroma samples (every
    /// fourth sample each way) within `greyTolerance` of neutral. An infrared or monochrome camera delivers such
    /// frames, and their plates' colours cannot be told from luma (a blue plate looks as dark as a black one).
    /// Block means, not single samples: a camera's chroma noise in the dark reaches ±20 and averages out.
    public var isGrey: Bool {
        for plane in [cb, cr] {
            for top in stride(from: 0, to: plane.height, by: 32) {
                for left in stride(from: 0, to: plane.width, by: 32) {
                    var sum = 0, count = 0
                    for y in stride(from: top, to: min(plane.height, top + 32), by: 4) {
                        for x in stride(from: left, to: min(plane.width, left + 32), by: 4) {
                            sum += Int(plane.pixels[y * plane.width + x])
                            count += 1
                        }
                    }
                    if abs(sum - 128 * count) > Self.greyTolerance * count { return false }
                }
            }
        }
        return true
    }

    /// A block whose mean chroma is within this of 128 has no colour.
    public static let greyTolerance = 8

    /// Total bytes held, for memory accounting.
    public var byteCount: Int { luma.pixels.count + cb.pixels.count + cr.pixels.count }
}
