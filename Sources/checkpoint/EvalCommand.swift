import ArgumentParser
import Capture
import Foundation
import Imaging
import PlateReader
import Plates

/// `checkpoint eval DIR`: reads every image of a labelled set and scores the reader.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure plate reading on a labelled folder (labels.tsv: image, plate, x, y, w, h, region).",
        discussion: """
            Rows with an empty box are plate crops. A labelled box is matched by a read whose quadrilateral, or its \
            upright bounding box, overlaps it by IoU ≥ 0.5. Time is per image, single-threaded, excluding image decoding.
            """)

    @Argument(help: "A folder with labels.tsv and its images.")
    var folder: String

    @OptionGroup var reader: ReaderOptions

    @Flag(help: "One JSON object.")
    var json = false

    @Option(help: "How many misses to list (worst first).")
    var misses = 10

    func run() throws {
        let set = try LabelledSet(folder: URL(fileURLWithPath: folder))
        let plateReader = try reader.makeReader()
        var evaluation = Evaluation()
        var unreadable: [String] = []
        for (name, labels) in set.images {
            let image: YCbCrImage
            do {
                image = try StillImage.load(set.folder.appendingPathComponent(name))
            } catch {
                unreadable.append("\(name): \(error)")
                evaluation.add(labels: labels, reads: [], milliseconds: 0)
                continue
            }
            let isCrop = labels.allSatisfy { $0.box == nil }
            let clock = ContinuousClock()
            var reads: [PlateRead] = []
            let elapsed = clock.measure {
                reads = isCrop ? plateReader.readCrop(image).map { [$0] } ?? [] : plateReader.read(image)
            }
            evaluation.add(labels: labels, reads: reads,
                           milliseconds: Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        let round = { (value: Double) in (value * 10000).rounded() / 10000 }
        func tally(_ t: Evaluation.Tally) -> [String: Any] {
            ["plates": t.plates, "exact": t.exact, "exact_accuracy": round(t.exactAccuracy),
             "char_accuracy": round(t.charAccuracy), "detection_recall": round(t.detectionRecall)]
        }
        var object: [String: Any] = tally(evaluation.total)
        object["set"] = set.folder.lastPathComponent
        object["images"] = evaluation.images
        object["unmatched_reads"] = evaluation.unmatchedReads
        object["ms_p50"] = (evaluation.percentile(50) * 100).rounded() / 100
        object["ms_p95"] = (evaluation.percentile(95) * 100).rounded() / 100
        object["regions"] = evaluation.regions.mapValues(tally)
        object["worst_misses"] = evaluation.worstMisses(misses).map { ["image": $0.image, "truth": $0.truth, "read": $0.read] }
        object["unreadable_images"] = unreadable
        if json {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let t = evaluation.total
        print("\(set.folder.path): \(evaluation.images) images, \(t.plates) plates")
        print(String(format: "exact %d (%.1f %%), characters %.1f %%, detected %.1f %%, unmatched reads %d",
                     t.exact, 100 * t.exactAccuracy, 100 * t.charAccuracy, 100 * t.detectionRecall, evaluation.unmatchedReads))
        print(String(format: "ms per image: p50 %.2f, p95 %.2f", evaluation.percentile(50), evaluation.percentile(95)))
        for miss in evaluation.worstMisses(misses) { print("  miss \(miss.image): \(miss.truth) read as '\(miss.read)'") }
        for line in unreadable { print("  unreadable \(line)") }
    }
}
