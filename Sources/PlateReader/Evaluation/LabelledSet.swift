import Foundation
import Plates

/// A folder of images with `labels.tsv` (image, plate, x, y, w, h, region; empty
/// box = the image is a plate crop), the format of `shared/data/plates`.
public struct LabelledSet: Sendable {
    public struct Label: Sendable, Equatable {
        public var image: String
        public var plate: String
        /// nil for crops.
        public var box: (x: Double, y: Double, width: Double, height: Double)?
        public var region: PlateRegion?

        public static func == (lhs: Label, rhs: Label) -> Bool {
            lhs.image == rhs.image && lhs.plate == rhs.plate && lhs.region == rhs.region
                && lhs.box.map { [$0.x, $0.y, $0.width, $0.height] } == rhs.box.map { [$0.x, $0.y, $0.width, $0.height] }
        }
    }

    public let folder: URL
    public let labels: [Label]

    /// Images in file order, each with its labels.
    public var images: [(name: String, labels: [Label])] {
        var order: [String] = []
        var byImage: [String: [Label]] = [:]
        for label in labels {
            if byImage[label.image] == nil { order.append(label.image) }
            byImage[label.image, default: []].append(label)
        }
        return order.map { ($0, byImage[$0]!) }
    }

    public init(folder: URL) throws(EvaluationError) {
        self.folder = folder
        let file = folder.appendingPathComponent("labels.tsv")
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw EvaluationError(message: "\(file.path) cannot be read: \(error.localizedDescription)")
        }
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first?.split(separator: "\t", omittingEmptySubsequences: false).map(String.init),
              let imageColumn = header.firstIndex(of: "image"), let plateColumn = header.firstIndex(of: "plate") else {
            throw EvaluationError(message: "\(file.path): the first line must name the columns image, plate, x, y, w, h, region")
        }
        lines.removeFirst()
        let column = { (name: String) in header.firstIndex(of: name) }
        var labels: [Label] = []
        for (number, line) in lines.enumerated() where !line.isEmpty {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            func field(_ index: Int?) -> String { index.flatMap { $0 < fields.count ? fields[$0] : nil } ?? "" }
            guard !field(imageColumn).isEmpty, !field(plateColumn).isEmpty else {
                throw EvaluationError(message: "\(file.path):\(number + 2): needs an image and a plate")
            }
            let numbers = ["x", "y", "w", "h"].map { Double(field(column($0))) }
            let box: (x: Double, y: Double, width: Double, height: Double)?
            if numbers.allSatisfy({ $0 != nil }) {
                box = (numbers[0]!, numbers[1]!, numbers[2]!, numbers[3]!)
            } else if numbers.allSatisfy({ $0 == nil }) {
                box = nil
            } else {
                throw EvaluationError(message: "\(file.path):\(number + 2): x, y, w, h must be all numbers or all empty")
            }
            labels.append(Label(image: field(imageColumn), plate: PlateText.canonical(field(plateColumn)), box: box,
                                region: PlateRegion(rawValue: field(column("region")))))
        }
        self.labels = labels
    }
}

public struct EvaluationError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
