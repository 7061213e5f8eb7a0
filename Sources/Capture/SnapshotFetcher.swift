import CFFmpeg
import Imaging

/// Fetches one JPEG over HTTP(S) with libavformat's I/O layer (the same
/// timeouts, proxy and TLS handling as the streams) and decodes it with
/// libjpeg-turbo: the source for cameras that only offer a snapshot URL.
struct SnapshotFetcher {
    let address: SourceAddress
    let timeoutSeconds: Double
    let interrupt: InterruptGuard
    /// Refuse bodies larger than this (a misconfigured URL pointing at a video stream).
    var maxBytes = 16 << 20

    func fetch() throws(CaptureError) -> YCbCrImage {
        var io: UnsafeMutablePointer<AVIOContext>? = nil
        var callback = AVIOInterruptCB(callback: InterruptGuard.callback,
                                       opaque: Unmanaged.passUnretained(interrupt).toOpaque())
        var options: OpaquePointer? = nil
        defer { av_dict_free(&options) }
        av_dict_set(&options, "rw_timeout", String(Int(timeoutSeconds * 1e6)), 0)
        interrupt.arm(seconds: timeoutSeconds)
        let opened = avio_open2(&io, address.openable, AVIO_FLAG_READ, &callback, &options)
        guard opened >= 0, let io else {
            if interrupt.isCancelled { throw .ended(url: address.masked) }
            if interrupt.hasTimedOut { throw .unreachable(url: address.masked, reason: "open: timed out") }
            throw AVFailure.classify(opened, url: address.masked, during: "open")
        }
        defer { var closing: UnsafeMutablePointer<AVIOContext>? = io; avio_closep(&closing) }

        var body: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBufferPointer { avio_read(io, $0.baseAddress, Int32($0.count)) }
            if count == cpd_averror_eof() || count == 0 { break }
            if count < 0 {
                if interrupt.hasTimedOut { throw .unreachable(url: address.masked, reason: "read: timed out") }
                throw AVFailure.classify(count, url: address.masked, during: "read")
            }
            body.append(contentsOf: chunk.prefix(Int(count)))
            guard body.count <= maxBytes else {
                throw .unsupported(url: address.masked, reason: "answer larger than \(maxBytes >> 20) MiB; is this a snapshot URL?")
            }
        }
        do {
            return try JPEGDecoder().decode(body)
        } catch {
            throw .invalidData(url: address.masked, reason: error.message)
        }
    }
}
