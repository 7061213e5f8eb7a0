/// Why a camera is not delivering frames, worded for the person at the gate.
public enum CaptureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Network trouble: refused, unreachable, reset, DNS. Retried with backoff.
    case unreachable(url: String, reason: String)
    /// The camera answered but rejected the user or password. Fix the credentials.
    case credentialsRejected(url: String, reason: String)
    /// The password could not be read (environment variable unset, file unreadable).
    case secretUnavailable(String)
    /// The path or stream does not exist on the camera / disk.
    case notFound(url: String, reason: String)
    /// The source opened but has no video we can decode.
    case unsupported(url: String, reason: String)
    /// The data is not a valid stream (garbage or truncated file, corrupt JPEG).
    case invalidData(url: String, reason: String)
    /// Connected, then no frame arrived for this many seconds.
    case stalled(seconds: Double)
    /// The stream ended (camera closed it, or a file without `loop` reached its end).
    case ended(url: String)

    /// Problems a retry will not fix without a person (or a config reload): retried slowly.
    public var needsAttention: Bool {
        switch self {
        case .credentialsRejected, .secretUnavailable, .notFound, .unsupported, .invalidData: true
        case .unreachable, .stalled, .ended: false
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let url, let reason): "cannot reach \(url): \(reason)"
        case .credentialsRejected(let url, let reason): "\(url) rejected the credentials (\(reason)); check the camera's username and password"
        case .secretUnavailable(let reason): "camera password unavailable: \(reason)"
        case .notFound(let url, let reason): "\(url) not found (\(reason)); check the path or channel"
        case .unsupported(let url, let reason): "\(url) cannot be decoded: \(reason)"
        case .invalidData(let url, let reason): "\(url) is not a valid stream: \(reason)"
        case .stalled(let seconds): "no frame for \(Int(seconds.rounded())) s"
        case .ended(let url): "\(url) ended"
        }
    }
}
