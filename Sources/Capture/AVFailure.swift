import CFFmpeg

/// libav's error codes turned into `CaptureError`s a person can act on.
enum AVFailure {
    static func message(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        av_strerror(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func classify(_ code: Int32, url: String, during step: String) -> CaptureError {
        let reason = "\(step): \(message(code))"
        switch code {
        case cpd_averror_http_unauthorized(), cpd_averror_http_forbidden():
            return .credentialsRejected(url: url, reason: reason)
        case cpd_averror_http_not_found(), cpd_averror(ENOENT), cpd_averror_stream_not_found():
            return .notFound(url: url, reason: reason)
        case cpd_averror_decoder_not_found(), cpd_averror_protocol_not_found():
            return .unsupported(url: url, reason: reason)
        case cpd_averror_invaliddata():
            return .invalidData(url: url, reason: reason)
        case cpd_averror_eof():
            return .ended(url: url)
        default:
            return .unreachable(url: url, reason: reason)
        }
    }
}
