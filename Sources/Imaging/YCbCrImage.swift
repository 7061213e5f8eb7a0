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

    /// Total bytes held, for memory accounting.
    public var byteCount: Int { luma.pixels.count + cb.pixels.count + cr.pixels.count }
}
