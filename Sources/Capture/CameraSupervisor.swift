import Config
import Foundation
import Imaging
import Logging
import ServiceLifecycle
import Synchronization

/// Runs every enabled camera as a child task and follows configuration
/// reloads: added cameras start, removed ones stop, changed ones restart,
/// and unchanged ones keep their connection.
///
/// ```swift
/// let cameras = CameraSupervisor(settings: settings, analyser: { _ in NoAnalysis() }, events: sink, logger: logger)
/// cameras.apply(config.cameras)          // at start and after each reload
/// // add `cameras` to the ServiceGroup
/// ```
public final class CameraSupervisor: Service, CameraMonitor, Sendable {
    private struct Entry {
        var config: CameraConfig
        var worker: CameraWorker?
    }

    private let settings: CaptureSettings
    private let makeAnalyser: @Sendable (CameraConfig) -> any FrameAnalyser
    private let events: any CameraEventSink
    private let logger: Logger
    private let entries = Mutex<[String: Entry]>([:])
    private let starts: AsyncStream<CameraWorker>
    private let startContinuation: AsyncStream<CameraWorker>.Continuation

    public init(settings: CaptureSettings, analyser: @escaping @Sendable (CameraConfig) -> any FrameAnalyser,
                events: any CameraEventSink, logger: Logger) {
        self.settings = settings
        self.makeAnalyser = analyser
        self.events = events
        self.logger = logger
        (starts, startContinuation) = AsyncStream.makeStream()
    }

    /// Brings the running cameras in line with `cameras`; returns what changed.
    @discardableResult
    public func apply(_ cameras: [CameraConfig]) -> (started: [String], stopped: [String]) {
        var toStop: [CameraWorker] = [], toStart: [CameraWorker] = []
        entries.withLock { entries in
            let wanted = Dictionary(uniqueKeysWithValues: cameras.map { ($0.id, $0) })
            for (id, entry) in entries where wanted[id] != entry.config {
                if let worker = entry.worker { toStop.append(worker) }
                entries[id] = nil
            }
            for camera in cameras where entries[camera.id] == nil {
                var entry = Entry(config: camera)
                if camera.enabled {
                    let worker = CameraWorker(config: camera, settings: settings, analyser: makeAnalyser(camera),
                                              events: events, logger: logger)
                    entry.worker = worker
                    toStart.append(worker)
                }
                entries[camera.id] = entry
            }
        }
        toStop.forEach { $0.stop() }
        toStart.forEach { startContinuation.yield($0) }
        return (toStart.map(\.config.id).sorted(), toStop.map(\.config.id).sorted())
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await worker in starts {
                    group.addTask { await worker.run() }
                }
            }
        } onGracefulShutdown: {
            self.stopAll()
        }
    }

    /// Stops every camera and accepts no more (graceful shutdown).
    public func stopAll() {
        startContinuation.finish()
        let workers = entries.withLock { entries in entries.values.compactMap(\.worker) }
        workers.forEach { $0.stop() }
    }

    public func statuses() -> [CameraStatus] {
        let all = entries.withLock { Array($0.values) }
        return all.map(Self.status).sorted { $0.id < $1.id }
    }

    public func status(id: String) -> CameraStatus? {
        entries.withLock { $0[id] }.map(Self.status)
    }

    public func latestFrame(id: String) -> Frame? {
        entries.withLock { $0[id]?.worker }?.latestFrame
    }

    private static func status(_ entry: Entry) -> CameraStatus {
        if let worker = entry.worker { return worker.status }
        let c = entry.config
        return CameraStatus(
            id: c.id, name: c.name, checkpoint: c.checkpoint, lane: c.lane, direction: c.direction.rawValue,
            source: CameraWorker.maskedSource(c), state: .disabled, stateSince: Date(), codec: nil, width: nil, height: nil,
            fpsIn: 0, fpsAnalysed: 0, framesDecoded: 0, framesAnalysed: 0, drops: 0, connections: 0, reconnects: 0,
            lastFrameAt: nil, lastError: nil, alerts: [], skippingFrames: false)
    }
}

/// What the API needs from capture: statuses and the latest picture.
public protocol CameraMonitor: Sendable {
    func statuses() -> [CameraStatus]
    func status(id: String) -> CameraStatus?
    func latestFrame(id: String) -> Frame?
}
