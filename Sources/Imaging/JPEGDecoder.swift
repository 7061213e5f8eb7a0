import CJPEG

/// Decodes JPEG (snapshot cameras, pushed evidence, test photos) into 4:2:0
/// planes with libjpeg-turbo. Corrupt or truncated data is an error, never a crash.
public struct JPEGDecoder: Sendable {
    /// Refuse images larger than this many pixels (a hostile header can claim 65535²).
    public var maxPixels: Int

    public init(maxPixels: Int = 64 << 20) {
        self.maxPixels = maxPixels
    }

    public func decode(_ data: some Collection<UInt8>) throws(JPEGError) -> YCbCrImage {
        let bytes = Array(data)
        guard bytes.count > 4 else { throw JPEGError(message: "not a JPEG (only \(bytes.count) bytes)") }
        guard let handle = tjInitDecompress() else { throw JPEGError(message: "cannot create a decoder") }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colourspace: Int32 = 0
        let header = bytes.withUnsafeBufferPointer {
            tjDecompressHeader3(handle, $0.baseAddress, UInt($0.count), &width, &height, &subsampling, &colourspace)
        }
        guard header == 0 else { throw JPEGError(message: String(cString: tjGetErrorStr2(handle))) }
        guard width > 0, height > 0, Int(width) * Int(height) <= maxPixels else {
            throw JPEGError(message: "image of \(width)×\(height) is larger than allowed")
        }
        let w = Int(width), h = Int(height)
        if subsampling == TJSAMP_GRAY.rawValue {
            var luma = [UInt8](repeating: 0, count: w * h)
            let status = bytes.withUnsafeBufferPointer { src in
                luma.withUnsafeMutableBufferPointer { dst in
                    tjDecompress2(handle, src.baseAddress, UInt(src.count), dst.baseAddress, width, width, height,
                                  Int32(TJPF_GRAY.rawValue), 0)
                }
            }
            try check(status, handle)
            return YCbCrImage(grey: Plane(width: w, height: h, pixels: luma))
        }
        // Decode straight to planes at the file's own subsampling, then bring chroma to 4:2:0.
        var planeWidths = [Int](repeating: 0, count: 3), planeHeights = [Int](repeating: 0, count: 3)
        for component in 0..<3 {
            planeWidths[component] = Int(tjPlaneWidth(Int32(component), width, subsampling))
            planeHeights[component] = Int(tjPlaneHeight(Int32(component), height, subsampling))
            guard planeWidths[component] > 0, planeHeights[component] > 0 else {
                throw JPEGError(message: "unsupported chroma subsampling")
            }
        }
        var y = [UInt8](repeating: 0, count: planeWidths[0] * planeHeights[0])
        var u = [UInt8](repeating: 0, count: planeWidths[1] * planeHeights[1])
        var v = [UInt8](repeating: 0, count: planeWidths[2] * planeHeights[2])
        let status = bytes.withUnsafeBufferPointer { src in
            y.withUnsafeMutableBufferPointer { yp in
                u.withUnsafeMutableBufferPointer { up in
                    v.withUnsafeMutableBufferPointer { vp in
                        var planes: [UnsafeMutablePointer<UInt8>?] = [yp.baseAddress, up.baseAddress, vp.baseAddress]
                        var strides = planeWidths.map { Int32($0) }
                        return tjDecompressToYUVPlanes(handle, src.baseAddress, UInt(src.count), &planes, width, &strides,
                                                       height, 0)
                    }
                }
            }
        }
        try check(status, handle)
        // TurboJPEG pads planes to whole MCUs; crop them back to the picture.
        let horizontal = planeWidths[0] / planeWidths[1], vertical = planeHeights[0] / planeHeights[1]
        guard (1...2).contains(horizontal), (1...2).contains(vertical) else {
            throw JPEGError(message: "unsupported chroma subsampling \(horizontal)×\(vertical)")
        }
        let cw = (w + horizontal - 1) / horizontal, ch = (h + vertical - 1) / vertical
        func crop(_ pixels: [UInt8], _ stride: Int, _ width: Int, _ height: Int) -> Plane {
            pixels.withUnsafeBufferPointer { Plane(copying: $0.baseAddress!, stride: stride, width: width, height: height) }
        }
        return YCbCrImage(luma: crop(y, planeWidths[0], w, h), anyCb: crop(u, planeWidths[1], cw, ch),
                          anyCr: crop(v, planeWidths[2], cw, ch))
    }

    /// TurboJPEG reports recoverable damage (a truncated file) as a warning and
    /// fills the rest grey; evidence with half a picture is still refused. One warning
    /// is harmless: stray bytes before the end-of-image marker, which some cameras and
    /// editors write after the last scan (libjpeg skips them; the picture is whole).
    private func check(_ status: Int32, _ handle: tjhandle) throws(JPEGError) {
        guard status != 0 else { return }
        let message = String(cString: tjGetErrorStr2(handle))
        if tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue), Self.isPaddingBeforeEnd(message) { return }
        throw JPEGError(message: message)
    }

    /// libjpeg's JWRN_EXTRANEOUS_DATA for the EOI marker: "Corrupt JPEG data: N extraneous bytes before marker 0xd9".
    static func isPaddingBeforeEnd(_ message: String) -> Bool {
        message.hasPrefix("Corrupt JPEG data:") && message.hasSuffix("extraneous bytes before marker 0xd9")
    }
}
