/// Reconnect delays: doubling from `initial` to `maximum` seconds, each spread
/// by ± `jitter` so that many cameras behind one dead switch do not retry in step.
public struct Backoff: Sendable, Equatable {
    public var initial: Double
    public var maximum: Double
    public var jitter: Double

    public init(initial: Double = 1, maximum: Double = 30, jitter: Double = 0.2) {
        self.initial = initial
        self.maximum = maximum
        self.jitter = jitter
    }

    /// Delay before retry number `attempt` (0-based); `unit` is a random number in 0..<1.
    public func delay(attempt: Int, unit: Double) -> Double {
        let base = min(maximum, initial * Double(1 << min(attempt, 30)))
        let spread = 1 + jitter * (2 * unit - 1)
        return min(maximum * (1 + jitter), max(0, base * spread))
    }
}
