import Imaging

/// A cheap fingerprint of a picture: luma sampled on a 32×18 grid. Two
/// signatures that differ by less than a grey level on average are the same
/// picture as far as a camera watchdog is concerned.
public struct LumaSignature: Sendable, Equatable {
    public static let columns = 32
    public static let rows = 18
    public let samples: [UInt8]

    public init(_ plane: Plane) {
        var samples = [UInt8](repeating: 0, count: Self.columns * Self.rows)
        if plane.width > 0 && plane.height > 0 {
            for row in 0..<Self.rows {
                let y = (2 * row + 1) * plane.height / (2 * Self.rows)
                for column in 0..<Self.columns {
                    let x = (2 * column + 1) * plane.width / (2 * Self.columns)
                    samples[row * Self.columns + column] = plane[x, y]
                }
            }
        }
        self.samples = samples
    }

    public init(samples: [UInt8]) {
        precondition(samples.count == Self.columns * Self.rows)
        self.samples = samples
    }

    /// Mean absolute difference in grey levels.
    public func distance(to other: LumaSignature) -> Double {
        var total = 0
        for i in samples.indices { total += abs(Int(samples[i]) - Int(other.samples[i])) }
        return Double(total) / Double(samples.count)
    }

    /// Standard deviation of the samples: near zero for a covered lens or a blank picture.
    public var contrast: Double {
        let mean = Double(samples.reduce(0) { $0 + Int($1) }) / Double(samples.count)
        let variance = samples.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(samples.count)
        return variance.squareRoot()
    }
}
