/// How the capture layer behaves, the same for every camera.
public struct CaptureSettings: Sendable {
    /// Frames waiting for analysis per camera; beyond this the oldest is dropped.
    public var queueFrames: Int
    public var backoff: Backoff
    /// Retry interval for problems that need a person (bad credentials, missing file).
    public var attentionRetrySeconds: Double
    /// Where `password_env` secrets are looked up.
    public var environment: [String: String]

    public init(queueFrames: Int = 2, backoff: Backoff = Backoff(), attentionRetrySeconds: Double = 60,
                environment: [String: String]) {
        self.queueFrames = queueFrames
        self.backoff = backoff
        self.attentionRetrySeconds = attentionRetrySeconds
        self.environment = environment
    }
}
