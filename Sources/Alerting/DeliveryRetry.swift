import Foundation

/// When to try a failed delivery again: exponential backoff with full jitter, capped, and the receiver's
/// `Retry-After` honoured when it asks for longer. Pure, with the random source injected for tests.
public struct DeliveryRetry: Sendable, Equatable {
    public var base: TimeInterval
    public var cap: TimeInterval

    public init(base: TimeInterval = 2, cap: TimeInterval = 600) {
        self.base = base
        self.cap = cap
    }

    /// What a receiver's answer means for the delivery.
    public enum Outcome: Sendable, Equatable {
        case delivered
        /// Try again (network error, timeout, 5xx, 429), not before `after` seconds if the receiver said so.
        case retry(after: TimeInterval?)
        /// The receiver refused it for good (4xx other than 429): an admin may retry after fixing the cause.
        case failed
    }

    public static func outcome(status: Int) -> Outcome {
        switch status {
        case 200..<300: .delivered
        case 429, 408, 500...599: .retry(after: nil)
        default: .failed
        }
    }

    /// The delay before attempt `attempt + 1` (attempt counts from 1), at least what `Retry-After` asked.
    public func delay(afterAttempt attempt: Int, retryAfter: TimeInterval?, random: (ClosedRange<Double>) -> Double) -> TimeInterval {
        let ceiling = min(cap, base * pow(2, Double(max(0, attempt - 1))))
        let jittered = random(0...1) * ceiling
        return max(jittered, min(retryAfter ?? 0, 3600))
    }

    /// `Retry-After` in seconds or as an HTTP date.
    public static func retryAfter(_ header: String?, now: Date) -> TimeInterval? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let seconds = Double(header), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: header) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
