import Capture
import Config
import Foundation
import Imaging
import Logging
import Synchronization
import TestSupport

/// Keeps every frame it is given; optionally slow, to make the queue drop.
final class RecordingAnalyser: FrameAnalyser {
    let frames = Mutex<[Frame]>([])
    let delay: Duration

    init(delay: Duration = .zero) { self.delay = delay }

    func analyse(_ frame: Frame) async {
        frames.withLock { $0.append(frame) }
        if delay > .zero { try? await Task.sleep(for: delay) }
    }

    var count: Int { frames.withLock { $0.count } }
}

/// Keeps every camera event.
final class RecordingSink: CameraEventSink {
    let events = Mutex<[CameraEvent]>([])
    func handle(_ event: CameraEvent) async { events.withLock { $0.append(event) } }

    func raised(_ kind: CameraAlert.Kind) -> Bool {
        events.withLock { $0.contains { if case .raised(let a) = $0 { a.kind == kind } else { false } } }
    }

    func cleared(_ kind: CameraAlert.Kind) -> Bool {
        events.withLock { $0.contains { if case .cleared(let a) = $0 { a.kind == kind } else { false } } }
    }
}

/// A supervisor running in a child task for the length of one test.
struct CaptureHarness {
    let supervisor: CameraSupervisor
    let analyser: RecordingAnalyser
    let sink: RecordingSink

    static var quiet: Logger {
        var logger = Logger(label: "capture.test")
        logger.logLevel = .critical
        return logger
    }

    /// Fast retries so reconnect tests stay short.
    static let settings = CaptureSettings(queueFrames: 2, backoff: Backoff(initial: 0.2, maximum: 1, jitter: 0.1),
                                          attentionRetrySeconds: 2, environment: ["CAMERA_PASSWORD": "s3cret"])

    static func run(_ cameras: [CameraConfig], analyser: RecordingAnalyser = RecordingAnalyser(),
                    settings: CaptureSettings = settings,
                    _ body: (CaptureHarness) async throws -> Void) async throws {
        let sink = RecordingSink()
        let supervisor = CameraSupervisor(settings: settings, analyser: { _ in analyser }, events: sink, logger: quiet)
        supervisor.apply(cameras)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await supervisor.run() }
            defer { supervisor.stopAll() }
            try await body(CaptureHarness(supervisor: supervisor, analyser: analyser, sink: sink))
            supervisor.stopAll()
            try await group.waitForAll()
        }
    }

    func status(_ id: String) -> CameraStatus { supervisor.status(id: id)! }

    /// Polls until `condition` holds (bounded).
    func eventually(_ seconds: Double = 15, _ condition: () -> Bool) async -> Bool {
        await DaemonProcess.eventually(timeout: .milliseconds(Int(seconds * 1000))) { condition() }
    }
}

extension CameraConfig {
    static func test(_ id: String, _ url: String, fps: Double = 5, loop: Bool = false, stall: Double = 3,
                     frozen: Double = 60, credentials: Credentials? = nil) -> CameraConfig {
        let parsed = url.hasPrefix("/") ? URL(fileURLWithPath: url) : URL(string: url)!
        return CameraConfig(id: id, url: parsed, credentials: credentials, analyseFPS: fps, loop: loop,
                            stallSeconds: stall, frozenSeconds: frozen)
    }
}
