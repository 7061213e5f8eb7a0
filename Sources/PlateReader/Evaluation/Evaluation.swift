import Foundation
import Plates

/// Scores reads against a labelled set: what `checkpoint eval` prints.
public struct Evaluation: Sendable {
    public struct Miss: Sendable, Equatable {
        public var image: String
        public var truth: String
        public var read: String
        public var charAccuracy: Double
    }

    public struct Tally: Sendable, Equatable {
        public var plates = 0
        public var exact = 0
        public var detected = 0
        public var charAccuracySum = 0.0

        public var exactAccuracy: Double { plates > 0 ? Double(exact) / Double(plates) : 0 }
        public var charAccuracy: Double { plates > 0 ? charAccuracySum / Double(plates) : 0 }
        public var detectionRecall: Double { plates > 0 ? Double(detected) / Double(plates) : 0 }
    }

    public private(set) var images = 0
    public private(set) var total = Tally()
    public private(set) var regions: [String: Tally] = [:]
    public private(set) var unmatchedReads = 0
    public private(set) var milliseconds: [Double] = []
    private var misses: [Miss] = []

    public init() {}

    /// Adds one image: its labels, the reads the reader returned, and the time reading took.
    public mutating func add(labels: [LabelledSet.Label], reads: [PlateRead], milliseconds time: Double) {
        images += 1
        milliseconds.append(time)
        var used = Set<Int>()
        for label in labels {
            var match: Int?
            if let box = label.box {
                // A read overlapping the label (IoU ≥ 0.5), preferring the right text.
                let overlapping = reads.indices.filter { !used.contains($0) && Self.overlap(box, reads[$0].quad) >= 0.5 }
                match = overlapping.first { reads[$0].text == label.plate } ?? overlapping.first
            } else {
                match = reads.indices.first  // a crop: the read is of the whole image
            }
            let text = match.map { reads[$0].text } ?? ""
            if let match { used.insert(match) }
            let accuracy = Self.charAccuracy(truth: label.plate, read: text)
            let key = label.region?.rawValue ?? "?"
            tally(&total, exact: text == label.plate, detected: match != nil || label.box == nil, accuracy: accuracy)
            tally(&regions[key, default: Tally()], exact: text == label.plate, detected: match != nil || label.box == nil,
                  accuracy: accuracy)
            if text != label.plate {
                misses.append(Miss(image: label.image, truth: label.plate, read: text, charAccuracy: accuracy))
            }
        }
        if labels.contains(where: { $0.box != nil }) { unmatchedReads += reads.count - used.count }
    }

    /// How well a read's plate covers a label. A label is an upright box; around a tilted plate people draw it
    /// to the plate's corners or to its body (leaving the corners out), so the read's quadrilateral and that
    /// quadrilateral's upright bounding box are both compared, and the better overlap counts.
    static func overlap(_ label: (x: Double, y: Double, width: Double, height: Double), _ quad: Quadrilateral) -> Double {
        max(intersectionOverUnion(label, quad.boundingBox), intersectionOverUnion(label, quad))
    }

    private func tally(_ tally: inout Tally, exact: Bool, detected: Bool, accuracy: Double) {
        tally.plates += 1
        if exact { tally.exact += 1 }
        if detected { tally.detected += 1 }
        tally.charAccuracySum += accuracy
    }

    /// The 10 worst misses (lowest character accuracy first, then by image name).
    public var worstMisses: [Miss] { worstMisses(10) }

    /// The `count` worst misses (lowest character accuracy first, then by image name).
    public func worstMisses(_ count: Int) -> [Miss] {
        Array(misses.sorted { ($0.charAccuracy, $0.image) < ($1.charAccuracy, $1.image) }.prefix(count))
    }

    public func percentile(_ p: Double) -> Double {
        guard !milliseconds.isEmpty else { return 0 }
        let sorted = milliseconds.sorted()
        let index = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[index]
    }

    /// 1 − edit distance / length of the truth, at least 0.
    public static func charAccuracy(truth: String, read: String) -> Double {
        let a = Array(truth), b = Array(read)
        guard !a.isEmpty else { return b.isEmpty ? 1 : 0 }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return max(0, 1 - Double(previous[b.count]) / Double(a.count))
    }
}
