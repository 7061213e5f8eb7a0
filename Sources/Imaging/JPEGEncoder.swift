import CJPEG

/// Encodes images as baseline JPEG with libjpeg-turbo, straight from the
/// 4:2:0 planes (no colour conversion), for snapshots and evidence.
public struct JPEGEncoder: Sendable {
    /// 1–100; 85 keeps a plate legible at about a tenth of the raw size.
    public var quality: Int

    public init(quality: Int = 85) {
        self.quality = max(1, min(100, quality))
    }

    public func encode(_ image: YCbCrImage) throws(JPEGError) -> [UInt8] {
        guard image.width > 0, image.height > 0 else { throw JPEGError(message: "cannot encode an empty image") }
        guard let handle = tjInitCompress() else { throw JPEGError(message: "cannot create an encoder") }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        // TurboJPEG reads 4:2:0 luma in whole 2×2 blocks: an odd width or height needs one more column or row.
        let luma = image.luma.padded(toWidth: image.width + image.width % 2, height: image.height + image.height % 2)
        let status = luma.pixels.withUnsafeBufferPointer { y in
            image.cb.pixels.withUnsafeBufferPointer { u in
                image.cr.pixels.withUnsafeBufferPointer { v in
                    var planes: [UnsafePointer<UInt8>?] = [y.baseAddress, u.baseAddress, v.baseAddress]
                    var strides: [Int32] = [Int32(luma.width), Int32(image.cb.width), Int32(image.cr.width)]
                    return tjCompressFromYUVPlanes(handle, &planes, Int32(image.width), &strides, Int32(image.height),
                                                   Int32(TJSAMP_420.rawValue), &output, &size, Int32(quality), 0)
                }
            }
        }
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else { throw JPEGError(message: String(cString: tjGetErrorStr2(handle))) }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }
}
