import ArgumentParser
import Capture
import Foundation
import Imaging
import PlateReader
import Plates

/// Options shared by `recognize` and `eval`: the model and the regions.
struct ReaderOptions: ParsableArguments {
    @Option(help: "Plate regions to read, comma-separated: cn, us, eu.")
    var region: String = "cn,us,eu"

    @Option(help: "A recogniser model file (default: the one built in).")
    var model: String?

    @Option(help: "A plate detector model file (default: the one built in); 'none' for the classical finder.")
    var detector: String?

    @Option(help: "Width frames are shrunk to for the detector (larger finds smaller plates, slower).")
    var detectorWidth: Int = 640

    @Option(help: "Reads below this confidence (0–1) are dropped.")
    var minConfidence: Double = 0.6

    @Option(help: "Most places per frame (the detector's surest) whose plate the recogniser reads.")
    var maxCandidates: Int = PlateReader.Settings.defaultMaxCandidates

    @Option(help: "Most places per frame the detector looks at again at twice the scale, for plates too small at the first (0: never).")
    var zoomWindows: Int = 6

    @Option(help: "When an image reads no plate, the detector looks once more at this many times --detector-width (default: 1.25 for images, 0 for video; cameras' streams never).")
    var secondLook: Double?

    @Option(help: "An image also gets the second look when its surest read is at most this confident (0: only when it read nothing; 1: always, at about twice the time).")
    var secondLookBelow: Double = 0

    @Option(help: "Each plate read is looked for again at this many times --detector-width, around it, and read from that box too (0: never).")
    var relook: Double = PlateReader.Settings.defaultRelookScale

    @Option(help: "Log-probability (nats) a read may lose by fitting a national format (eu) rather than 'any letters and digits', and still be read in it.")
    var catchAllCost: Double = PlateReader.Settings.defaultCatchAllCost

    @Option(help: "Latin reads (us, eu) of fewer characters are dropped: car badges and words read as two or three.")
    var minLatinCharacters: Int = PlateReader.Settings.defaultMinLatinCharacters

    @Option(help: "Province characters most plates carry (e.g. 湘鄂): they win a province character the picture leaves in doubt.")
    var localProvinces: String = ""

    func regions() throws -> [PlateRegion] {
        let names = region.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let regions = try names.map { name -> PlateRegion in
            guard let region = PlateRegion(rawValue: name) else {
                throw ValidationError("unknown region '\(name)'; use \(PlateRegion.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return region
        }
        guard !regions.isEmpty else { throw ValidationError("--region needs at least one region") }
        return regions
    }

    func provinces() throws -> [Character] {
        let parsed = CharacterClass.provinces(in: localProvinces)
        guard parsed.unknown.isEmpty else {
            throw ValidationError("--local-provinces takes province characters (\(String(CharacterClass.provinces))), not '\(parsed.unknown)'")
        }
        return parsed.provinces
    }

    /// `stream`: frames of a video (`track`), which sees each car many times, so no second look unless asked for.
    func makeReader(stream: Bool = false) throws -> PlateReader {
        let secondLook = self.secondLook ?? (stream ? 0 : PlateReader.Settings.stillSecondLookScale)
        guard secondLook >= 0, secondLook.isFinite else { throw ValidationError("--second-look takes 0 (never) or a positive scale, not \(secondLook)") }
        guard maxCandidates >= 1 else { throw ValidationError("--max-candidates takes 1 or more, not \(maxCandidates)") }
        guard relook >= 0, relook.isFinite else { throw ValidationError("--relook takes 0 (never) or a positive scale, not \(relook)") }
        guard secondLookBelow >= 0, secondLookBelow.isFinite else { throw ValidationError("--second-look-below takes a confidence from 0, not \(secondLookBelow)") }
        guard let url = model.map({ URL(fileURLWithPath: $0) }) ?? PlateReader.bundledModelURL else {
            throw CLIError(message: "the built-in plate model is missing from this build", code: 1)
        }
        let loaded = try RecognizerModel(contentsOf: url)
        var detectorModel: DetectorModel?
        if detector != "none", let detectorURL = detector.map({ URL(fileURLWithPath: $0) }) ?? PlateReader.bundledDetectorURL {
            detectorModel = try DetectorModel(contentsOf: detectorURL)
        }
        return PlateReader(model: loaded, detector: detectorModel, settings: .init(regions: try regions(), minConfidence: minConfidence, maxCandidates: maxCandidates, detectorWidth: detectorWidth, zoomWindows: zoomWindows, secondLookScale: secondLook, secondLookBelow: secondLookBelow, relookScale: relook, catchAllCost: catchAllCost, localProvinces: try provinces(),
                                                                                  minLatinCharacters: minLatinCharacters))
    }
}

/// `checkpoint recognize IMAGE...`: reads the plates in photos.
struct RecognizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recognize", abstract: "Read the licence plates in images (JPEG, PNG, …).")

    @Argument(help: "Image files.")
    var images: [String]

    @OptionGroup var reader: ReaderOptions

    @Flag(help: "Treat each image as a plate crop (no search for the plate).")
    var crop = false

    @Flag(help: "One JSON object per image, one per line.")
    var json = false

    func run() throws {
        let plateReader = try reader.makeReader()
        var failed = false
        for path in images {
            let image: YCbCrImage
            do {
                image = try StillImage.load(URL(fileURLWithPath: path))
            } catch {
                failed = true
                FileHandle.standardError.write(Data("\(path): \(error)\n".utf8))
                continue
            }
            let start = ContinuousClock.now
            let reads = crop ? plateReader.readCrop(image).map { [$0] } ?? [] : plateReader.read(image)
            let ms = Double((ContinuousClock.now - start).components.attoseconds) / 1e15
                + Double((ContinuousClock.now - start).components.seconds) * 1000
            if json {
                let object: [String: Any] = ["image": path, "width": image.width, "height": image.height,
                                             "ms": (ms * 100).rounded() / 100, "reads": reads.map(Self.object)]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("\(path): \(reads.isEmpty ? "no plate" : reads.map { "\($0.text) (\(String(format: "%.2f", $0.confidence)), \($0.kind.rawValue))" }.joined(separator: ", "))")
            }
        }
        if failed { throw ExitCode(1) }
    }

    static func object(_ read: PlateRead) -> [String: Any] {
        let box = read.quad.boundingBox
        return [
            "text": read.text, "raw_text": read.rawText, "confidence": (read.confidence * 1000).rounded() / 1000,
            "characters": read.characters.map { ["char": String($0.character), "confidence": (Double($0.confidence) * 1000).rounded() / 1000] },
            "alternatives": read.alternatives, "kind": read.kind.rawValue, "region": read.region?.rawValue ?? NSNull(),
            "format": read.format ?? NSNull(),
            "quad": read.quad.points.map { [($0.x * 10).rounded() / 10, ($0.y * 10).rounded() / 10] },
            "box": [box.x, box.y, box.width, box.height].map { ($0 * 10).rounded() / 10 },
        ]
    }
}
