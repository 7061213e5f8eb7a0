import Capture
import Checkpoint
import Config
import Foundation
import Imaging
import Logging
import PlateReader
import Plates
import Registry
import Store
import Synchronization

/// One camera's analysis: sampled frames → plate reads (inside the camera's region of interest) → tracks →
/// one passage per vehicle, recorded as soon as its plate is sure, with the best frame kept as evidence.
/// The camera's analysis loop calls it one frame at a time.
final class PlateAnalyser: FrameAnalyser {
    private struct State: ~Copyable {
        var reader: PlateReader
        var tracker: PlateTracker
    }

    private let camera: CameraConfig
    private let state: Mutex<State>
    private let desk: PassageDesk
    private let snapshots: SnapshotFiles
    private let jpegQuality: Int
    private let logger: Logger

    init(camera: CameraConfig, models: PlateModels, desk: PassageDesk, snapshots: SnapshotFiles, jpegQuality: Int, logger: Logger) {
        self.camera = camera
        let regions = camera.plateRegions.compactMap { Plates.PlateRegion(rawValue: $0.rawValue) }
        let reader = PlateReader(model: models.recognizer, detector: models.detector,
                                 settings: .init(regions: regions.isEmpty ? [.cn] : regions, minPlateWidth: camera.minPlateWidth,
                                                 detectorWidth: camera.detectorWidth, zoomWindows: camera.zoomWindows,
                                                 localProvinces: camera.localProvinces, minLatinCharacters: camera.minLatinCharacters))
        state = Mutex(State(reader: reader, tracker: PlateTracker(cameraID: camera.id)))
        self.desk = desk
        self.snapshots = snapshots
        self.jpegQuality = jpegQuality
        self.logger = logger
    }

    func analyse(_ frame: Frame) async {
        // Reading takes tens of milliseconds of one core: off the cooperative pool, so that several cameras
        // never hold up the API and the database.
        let (reads, events) = await BlockingThread.run(name: "plates \(camera.id)") { [self] in
            state.withLock { state -> ([PlateRead], [TrackEvent]) in
                let reads = state.reader.read(frame.image).filter { inRegion($0.quad, frame) }
                return (reads, state.tracker.update(reads, frame: frame))
            }
        }
        if !reads.isEmpty {
            logger.debug("plates", metadata: ["camera": "\(camera.id)", "t": "\(frame.timestamp)",
                                              "reads": "\(reads.map { "\($0.text) \(Int($0.confidence * 100))%" })",
                                              "tracks": "\(events.map { "\($0.track.id) \($0.track.text)" })"])
        }
        await handle(events)
    }

    func finish() async {
        await handle(state.withLock { $0.tracker.finish() })
    }

    private func handle(_ events: [TrackEvent]) async {
        for event in events {
            guard case .confirmed(let track) = event else { continue }
            do {
                let jpeg = try JPEGEncoder(quality: jpegQuality).encode(track.bestFrame.image)
                let saved = try snapshots.save(Data(jpeg))
                let sighting = VehicleSighting(plate: track.text, confidence: track.confidence, alternatives: track.best.alternatives,
                                               at: track.bestFrame.capturedAt, source: camera.id,
                                               snapshot: .init(path: saved.path, sha256: saved.sha256), colour: track.kind)
                let direction: PassageDirection? = switch camera.direction {
                case .in: .in
                case .out: .out
                case .both: track.motion.growth >= 1 ? .in : .out  // growing in the picture: coming towards the camera
                }
                try await desk.vehicle(sighting, checkpoint: camera.checkpoint, lane: camera.lane, direction: direction,
                                       sourceKey: "camera/\(camera.id)/\(Int(track.firstSeenAt.timeIntervalSince1970 * 1000))/\(track.id)")
                // Frame to record: from the decoding of the plate's first frame, and of the frame that confirmed it.
                let now = Date()
                logger.info("passage latency", metadata: [
                    "camera": "\(camera.id)", "first_frame_ms": "\(Int(now.timeIntervalSince(track.firstSeenAt) * 1000))",
                    "confirming_frame_ms": "\(Int(now.timeIntervalSince(track.lastSeenAt) * 1000))"])
            } catch {
                logger.error("cannot record a passage", metadata: ["camera": "\(camera.id)", "plate": "\(track.text)",
                                                                   "error": "\(error)"])
            }
        }
    }

    /// Whether the plate's centre lies in the camera's region of interest (the whole frame when it has none).
    private func inRegion(_ quad: Quadrilateral, _ frame: Frame) -> Bool {
        guard let roi = camera.roi, roi.count >= 3 else { return true }
        let box = quad.boundingBox
        let x = (box.x + box.width / 2) / Double(frame.width), y = (box.y + box.height / 2) / Double(frame.height)
        // Ray casting: odd crossings = inside.
        var inside = false
        var j = roi.count - 1
        for i in roi.indices {
            let a = roi[i], b = roi[j]
            if (a.y > y) != (b.y > y), x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
            j = i
        }
        return inside
    }
}

/// The plate models, loaded once at start: a missing or corrupt file stops the daemon with its name and why.
public struct PlateModels: Sendable {
    public let recognizer: RecognizerModel
    public let detector: DetectorModel?

    public static func bundled() throws -> PlateModels {
        guard let url = PlateReader.bundledModelURL else {
            throw ModelError(file: "recognizer.cpdm", message: "is missing from this build")
        }
        let recognizer = try RecognizerModel(contentsOf: url)
        let detector = try PlateReader.bundledDetectorURL.map { try DetectorModel(contentsOf: $0) }
        return PlateModels(recognizer: recognizer, detector: detector)
    }
}
