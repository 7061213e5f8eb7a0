/// One 8-bit image plane (luma, or one chroma channel), rows packed without padding.
///
/// A value type over a copy-on-write array: frames can be handed between
/// threads and kept as "latest frame" without copying the pixels again.
public struct Plane: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width * height` bytes, row after row.
    public private(set) var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height, "plane size does not match its pixels")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A plane of one value (e.g. neutral chroma 128 for a grey image).
    public init(width: Int, height: Int, filledWith value: UInt8) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: value, count: width * height))
    }

    /// Copies `height` rows of `width` bytes from memory whose rows are `stride` bytes apart
    /// (a decoder's buffer, which may be padded).
    public init(copying base: UnsafePointer<UInt8>, stride: Int, width: Int, height: Int) {
        let pixels = [UInt8](unsafeUninitializedCapacity: width * height) { buffer, count in
            for row in 0..<height {
                (buffer.baseAddress! + row * width).update(from: base + row * stride, count: width)
            }
            count = width * height
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    public subscript(x: Int, y: Int) -> UInt8 {
        pixels[y * width + x]
    }

    /// Halves the plane horizontally and/or vertically by averaging neighbours
    /// (4:4:4 or 4:2:2 chroma down to 4:2:0). Odd sizes round up.
    public func halved(horizontally: Bool, vertically: Bool) -> Plane {
        guard horizontally || vertically else { return self }
        let outWidth = horizontally ? (width + 1) / 2 : width
        let outHeight = vertically ? (height + 1) / 2 : height
        let source = pixels
        let w = width, h = height
        let out = [UInt8](unsafeUninitializedCapacity: outWidth * outHeight) { buffer, count in
            source.withUnsafeBufferPointer { src in
                for y in 0..<outHeight {
                    let y0 = vertically ? 2 * y : y
                    let y1 = vertically ? min(y0 + 1, h - 1) : y0
                    for x in 0..<outWidth {
                        let x0 = horizontally ? 2 * x : x
                        let x1 = horizontally ? min(x0 + 1, w - 1) : x0
                        let sum = Int(src[y0 * w + x0]) + Int(src[y0 * w + x1]) + Int(src[y1 * w + x0]) + Int(src[y1 * w + x1])
                        buffer[y * outWidth + x] = UInt8((sum + 2) >> 2)
                    }
                }
            }
            count = outWidth * outHeight
        }
        return Plane(width: outWidth, height: outHeight, pixels: out)
    }

    /// The plane enlarged to `width × height` by repeating its last column and row (no copy when already that size).
    public func padded(toWidth newWidth: Int, height newHeight: Int) -> Plane {
        guard newWidth != width || newHeight != height else { return self }
        precondition(newWidth >= width && newHeight >= height && width > 0 && height > 0)
        let source = pixels, w = width, h = height
        let out = [UInt8](unsafeUninitializedCapacity: newWidth * newHeight) { buffer, count in
            for y in 0..<newHeight {
                let row = min(y, h - 1) * w
                for x in 0..<newWidth { buffer[y * newWidth + x] = source[row + min(x, w - 1)] }
            }
            count = newWidth * newHeight
        }
        return Plane(width: newWidth, height: newHeight, pixels: out)
    }
}
