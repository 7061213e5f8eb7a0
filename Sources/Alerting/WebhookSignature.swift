import Crypto
import Foundation

/// The webhook's signature: HMAC-SHA256 over `timestamp + "." + body` with the shared secret, sent as
/// `X-Checkpoint-Signature: sha256=<hex>` beside `X-Checkpoint-Timestamp`, so a receiver can check both who
/// sent it and that it is fresh (a replayed old request fails the time window).
public enum WebhookSignature {
    public static let signatureHeader = "X-Checkpoint-Signature"
    public static let timestampHeader = "X-Checkpoint-Timestamp"

    public static func sign(body: Data, timestamp: Int, secret: Data) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// What a receiver does: the signature matches and the timestamp is within `tolerance` of `now`.
    public static func verify(body: Data, timestamp: String?, signature: String?, secret: Data, now: Date,
                              tolerance: TimeInterval = 300) -> Bool {
        guard let timestamp, let time = Int(timestamp), let signature,
              abs(now.timeIntervalSince1970 - Double(time)) <= tolerance else { return false }
        let expected = sign(body: body, timestamp: time, secret: secret)
        guard expected.utf8.count == signature.utf8.count else { return false }
        return zip(expected.utf8, signature.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
