import CFFmpeg
import Imaging

/// Copies a decoded AVFrame into a `YCbCrImage`. The common camera layouts
/// (planar 4:2:0/4:2:2/4:4:4, NV12, grey) are copied plane by plane; anything
/// else (10-bit, packed RGB) goes through libswscale to 8-bit 4:2:0.
final class FrameConverter {
    private var scaler: OpaquePointer?

    deinit { sws_freeContext(scaler) }

    func convert(_ frame: UnsafePointer<AVFrame>) throws(CaptureError) -> YCbCrImage {
        let f = frame.pointee
        let width = Int(f.width), height = Int(f.height)
        guard width > 0, height > 0 else { throw .invalidData(url: "", reason: "frame without a size") }
        let format = AVPixelFormat(rawValue: f.format)
        let data = [f.data.0, f.data.1, f.data.2]
        let strides = [Int(f.linesize.0), Int(f.linesize.1), Int(f.linesize.2)]
        let cw = (width + 1) / 2, ch = (height + 1) / 2
        func plane(_ index: Int, _ w: Int, _ h: Int) -> Plane {
            Plane(copying: UnsafePointer(data[index]!), stride: strides[index], width: w, height: h)
        }
        switch format {
        case AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVJ420P:
            return YCbCrImage(luma: plane(0, width, height), cb: plane(1, cw, ch), cr: plane(2, cw, ch))
        case AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUVJ422P:
            return YCbCrImage(luma: plane(0, width, height), anyCb: plane(1, cw, height), anyCr: plane(2, cw, height))
        case AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUVJ444P:
            return YCbCrImage(luma: plane(0, width, height), anyCb: plane(1, width, height), anyCr: plane(2, width, height))
        case AV_PIX_FMT_GRAY8:
            return YCbCrImage(grey: plane(0, width, height))
        case AV_PIX_FMT_NV12:
            return YCbCrImage(luma: plane(0, width, height), cb: Self.deinterleave(data[1]!, strides[1], cw, ch, offset: 0),
                              cr: Self.deinterleave(data[1]!, strides[1], cw, ch, offset: 1))
        default:
            return try scale(frame, width: width, height: height)
        }
    }

    private static func deinterleave(_ base: UnsafeMutablePointer<UInt8>, _ stride: Int, _ w: Int, _ h: Int, offset: Int) -> Plane {
        let pixels = [UInt8](unsafeUninitializedCapacity: w * h) { buffer, count in
            for y in 0..<h {
                let row = base + y * stride + offset
                for x in 0..<w { buffer[y * w + x] = row[2 * x] }
            }
            count = w * h
        }
        return Plane(width: w, height: h, pixels: pixels)
    }

    private func scale(_ frame: UnsafePointer<AVFrame>, width: Int, height: Int) throws(CaptureError) -> YCbCrImage {
        let f = frame.pointee
        scaler = sws_getCachedContext(scaler, f.width, f.height, AVPixelFormat(rawValue: f.format),
                                      f.width, f.height, AV_PIX_FMT_YUV420P, SWS_BILINEAR, nil, nil, nil)
        guard let scaler else {
            let name = av_get_pix_fmt_name(AVPixelFormat(rawValue: f.format)).map { String(cString: $0) } ?? "\(f.format)"
            throw .unsupported(url: "", reason: "pixel format \(name) cannot be converted")
        }
        let cw = (width + 1) / 2, ch = (height + 1) / 2
        var y = [UInt8](repeating: 0, count: width * height)
        var u = [UInt8](repeating: 0, count: cw * ch)
        var v = [UInt8](repeating: 0, count: cw * ch)
        var source: [UnsafePointer<UInt8>?] = withUnsafeBytes(of: f.data) { raw in
            raw.bindMemory(to: UnsafeMutablePointer<UInt8>?.self).map { $0.map { UnsafePointer<UInt8>($0) } }
        }
        var sourceStrides: [Int32] = withUnsafeBytes(of: f.linesize) { Array($0.bindMemory(to: Int32.self)) }
        y.withUnsafeMutableBufferPointer { yp in
            u.withUnsafeMutableBufferPointer { up in
                v.withUnsafeMutableBufferPointer { vp in
                    var destination: [UnsafeMutablePointer<UInt8>?] = [yp.baseAddress, up.baseAddress, vp.baseAddress, nil]
                    var destinationStrides: [Int32] = [Int32(width), Int32(cw), Int32(cw), 0]
                    _ = sws_scale(scaler, &source, &sourceStrides, 0, f.height, &destination, &destinationStrides)
                }
            }
        }
        return YCbCrImage(luma: Plane(width: width, height: height, pixels: y),
                          cb: Plane(width: cw, height: ch, pixels: u), cr: Plane(width: cw, height: ch, pixels: v))
    }
}
