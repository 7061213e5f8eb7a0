/// How far apart two plate texts are, for a reader's mistakes: an edit
/// distance where swapping look-alikes (0/O/D, 8/B, …) costs less than
/// swapping unrelated characters. The tracker uses it to tell whether two
/// reads are the same plate; watchlist matching uses it with its own costs.
public struct PlateDistance: Sendable, Equatable {
    /// Cost of replacing a character by one of its look-alikes.
    public var confusable: Double
    /// Cost of replacing a character by an unrelated one.
    public var substitution: Double
    /// Cost of a character one text has and the other lacks.
    public var gap: Double

    public init(confusable: Double = 0.5, substitution: Double = 1, gap: Double = 1) {
        self.confusable = confusable
        self.substitution = substitution
        self.gap = gap
    }

    /// The cheapest way to turn `a` into `b` (canonical texts).
    public func callAsFunction(_ a: String, _ b: String) -> Double {
        let x = Array(a), y = Array(b)
        if x == y { return 0 }
        var previous = (0...y.count).map { Double($0) * gap }
        var current = previous
        for i in 1...max(1, x.count) where !x.isEmpty {
            current[0] = Double(i) * gap
            for j in stride(from: 1, through: y.count, by: 1) {
                let swap = x[i - 1] == y[j - 1] ? 0 : Confusions.confusable(x[i - 1], y[j - 1]) ? confusable : substitution
                current[j] = min(previous[j - 1] + swap, previous[j] + gap, current[j - 1] + gap)
            }
            swap(&previous, &current)
        }
        return x.isEmpty ? Double(y.count) * gap : previous[y.count]
    }
}
