import CFFmpeg
import Config
import Foundation
import Imaging
import Logging
import Synchronization

/// One camera's life: connect, decode, sample at `analyse_fps`, hand frames to
/// analysis through a drop-oldest mailbox, watch for stalls and frozen
/// pictures, reconnect with backoff. Three child tasks, one decoder thread.
final class CameraWorker: Sendable {
    let config: CameraConfig
    let health = CameraHealth()
    private let settings: CaptureSettings
    private let analyser: any FrameAnalyser
    private let events: any CameraEventSink
    private let logger: Logger
    private let mailbox: FrameMailbox
    private let stopSignal = StopSignal()
    /// The camera's stream time across connections (only the capture thread uses it).
    private let timeline = Mutex(CameraTimeline())

    init(config: CameraConfig, settings: CaptureSettings, analyser: any FrameAnalyser,
         events: any CameraEventSink, logger: Logger) {
        self.config = config
        self.settings = settings
        self.analyser = analyser
        self.events = events
        self.logger = logger
        self.mailbox = FrameMailbox(capacity: settings.queueFrames)
    }

    /// Runs until `stop()` or cancellation; returns once the decoder thread has let go of the camera.
    func run() async {
        do {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    await self.stopSignal.wait()
                    throw CancellationError()  // cancels the siblings
                }
                group.addTask { await self.captureLoop() }
                group.addTask { await self.analysisLoop() }
                group.addTask { await self.watchLoop() }
            }
        } catch {}
        mailbox.close()
    }

    func stop() { stopSignal.fire() }

    var status: CameraStatus {
        let c = health.snapshot
        return CameraStatus(
            id: config.id, name: config.name, checkpoint: config.checkpoint, lane: config.lane,
            direction: config.direction.rawValue, source: Self.maskedSource(config), state: c.state,
            stateSince: c.stateSince, codec: c.info?.codec, width: c.info?.width, height: c.info?.height,
            fpsIn: c.fpsIn, fpsAnalysed: c.fpsAnalysed, framesDecoded: c.framesDecoded, framesAnalysed: c.framesAnalysed,
            drops: mailbox.dropped, connections: c.connections, reconnects: max(0, c.connections - 1),
            lastFrameAt: c.lastFrameAt, lastError: c.lastError,
            alerts: c.openAlerts.keys.map(\.rawValue).sorted(), skippingFrames: c.skipping)
    }

    var latestFrame: Frame? { health.latest }

    static func maskedSource(_ config: CameraConfig) -> String {
        switch config.source {
        case .stream(let url), .snapshot(let url):
            guard !url.isFileURL else { return url.path }
            guard let credentials = config.credentials,
                  var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url.absoluteString }
            components.user = credentials.username
            components.percentEncodedPassword = "***"
            return components.string ?? url.absoluteString
        }
    }

    // MARK: - Capture

    private func captureLoop() async {
        var failures = 0
        var reported: String?
        while !Task.isCancelled {
            // Only the first try is `connecting`: a camera that is down stays shown down (`offline`, `stalled`,
            // `failed`) while it is tried again, so the API and /healthz do not show a dead camera as coming up for
            // a moment at every try. Frames set it `streaming` again.
            if failures == 0 { health.set(.connecting) }
            let before = health.snapshot.framesDecoded
            let error = await session()
            if Task.isCancelled { break }
            let streamed = health.snapshot.framesDecoded > before
            if streamed { failures = 0 }
            let next: CameraState = error.needsAttention ? .failed : (streamed ? .stalled : .offline)
            health.set(next, error: error.description)
            // Log a change of state or reason once, not every retry of a camera that stays down.
            if reported != "\(next) \(error)" {
                reported = "\(next) \(error)"
                logger.warning("camera \(next.rawValue)", metadata: [
                    "camera": "\(config.id)", "source": "\(Self.maskedSource(config))", "reason": "\(error)"])
            }
            let delay = error.needsAttention
                ? settings.attentionRetrySeconds
                : settings.backoff.delay(attempt: failures, unit: Double.random(in: 0..<1))
            failures += 1
            do { try await Task.sleep(for: .milliseconds(Int(delay * 1000))) } catch { break }
        }
    }

    /// One connection, on its own thread; returns why it ended.
    private func session() async -> CaptureError {
        let interrupt = InterruptGuard()
        return await withTaskCancellationHandler {
            await BlockingThread.run(name: "camera \(config.id)") { [self] in
                blockingSession(interrupt)
            }
        } onCancel: {
            interrupt.cancel()
        }
    }

    private func blockingSession(_ interrupt: InterruptGuard) -> CaptureError {
        do {
            switch config.source {
            case .stream(let url):
                let address = try SourceAddress(url: url, credentials: config.credentials, environment: settings.environment)
                try stream(address, interrupt)
                return .ended(url: address.masked)
            case .snapshot(let url):
                let address = try SourceAddress(url: url, credentials: config.credentials, environment: settings.environment)
                try poll(address, interrupt)
                return .ended(url: address.masked)
            }
        } catch {
            if case .unreachable = error, interrupt.hasTimedOut, health.snapshot.state == .streaming {
                return .stalled(seconds: config.stallSeconds)
            }
            return error
        }
    }

    private func stream(_ address: SourceAddress, _ interrupt: InterruptGuard) throws(CaptureError) {
        let options = DecoderOptions(transport: config.transport.rawValue, ioTimeoutSeconds: config.stallSeconds,
                                     openTimeoutSeconds: max(15, config.stallSeconds),
                                     realtime: true, loop: config.loop, decodeThreads: config.decodeThreads)
        let decoder = try StreamDecoder(address: address, options: options, interrupt: interrupt)
        timeline.withLock { $0.reconnected() }
        health.opened(decoder.info)
        logger.info("camera connected", metadata: [
            "camera": "\(config.id)", "source": "\(address.masked)", "codec": "\(decoder.info.codec)",
            "size": "\(decoder.info.width)x\(decoder.info.height)"])
        let converter = FrameConverter()
        var sampler = FrameSampler(fps: config.analyseFPS)
        var detector = FreezeDetector(frozenAfter: config.frozenSeconds)
        var sequence = health.snapshot.framesDecoded
        while try decoder.decodeNext({ (frame: UnsafePointer<AVFrame>, raw: Double) throws(CaptureError) in
            let timestamp = timeline.withLock { $0.time(raw, now: Double(InterruptGuard.now()) / 1e9) }
            sequence += 1
            health.decoded(skipping: decoder.isSkippingNonReference)
            guard sampler.take(timestamp) else { return }
            let image = try converter.convert(frame)
            deliver(Frame(cameraID: config.id, sequence: sequence, timestamp: timestamp, capturedAt: Date(), image: image),
                    detector: &detector)
        }) {}
        if interrupt.isCancelled { return }
    }

    private func poll(_ address: SourceAddress, _ interrupt: InterruptGuard) throws(CaptureError) {
        let fetcher = SnapshotFetcher(address: address, timeoutSeconds: config.stallSeconds, interrupt: interrupt)
        var detector = FreezeDetector(frozenAfter: config.frozenSeconds)
        let interval = 1 / config.analyseFPS
        let start = InterruptGuard.now()
        timeline.withLock { $0.reconnected() }
        var opened = false
        var sequence = health.snapshot.framesDecoded
        while !interrupt.isCancelled {
            let began = InterruptGuard.now()
            let image = try fetcher.fetch()
            if !opened {
                health.opened(StreamInfo(codec: "mjpeg", width: image.width, height: image.height, nominalFPS: config.analyseFPS))
                opened = true
            }
            sequence += 1
            health.decoded(skipping: false)
            let timestamp = timeline.withLock { $0.time(Double(began - start) / 1e9, now: Double(began) / 1e9) }
            deliver(Frame(cameraID: config.id, sequence: sequence, timestamp: timestamp, capturedAt: Date(), image: image),
                    detector: &detector)
            let spent = Double(InterruptGuard.now() - began) / 1e9
            guard interrupt.sleep(seconds: max(0, interval - spent)) else { break }
        }
    }

    private func deliver(_ frame: Frame, detector: inout FreezeDetector) {
        let condition = detector.observe(LumaSignature(frame.image.luma), at: frame.timestamp)
        health.sampled(frame, condition: condition)
        mailbox.push(frame)
    }

    // MARK: - Analysis

    private func analysisLoop() async {
        while let frame = await mailbox.next() {
            await analyser.analyse(frame)
            health.analysed()
        }
        await analyser.finish()
    }

    // MARK: - Watchdog

    /// Once a second: rates, and camera alerts raised or cleared.
    private func watchLoop() async {
        let start = InterruptGuard.now()
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(1)) } catch { return }
            health.updateRates()
            let c = health.snapshot
            let silent = health.secondsWithoutFrame(since: start)
            let reason = c.lastError.map { ": \($0)" } ?? ""
            await update(.offline, active: silent >= config.stallSeconds,
                         detail: "no frame for \(Int(silent)) s\(reason)")
            var frozen = false, obscured = false
            if silent < config.stallSeconds {
                switch c.condition {
                case .live: break
                case .frozen: frozen = true
                case .obscured: obscured = true
                }
            }
            await update(.frozen, active: frozen, detail: "the picture has not changed for \(Int(config.frozenSeconds)) s or more")
            await update(.obscured, active: obscured, detail: "the picture has been almost blank for \(Int(config.frozenSeconds)) s or more")
        }
    }

    private func update(_ kind: CameraAlert.Kind, active: Bool, detail: String) async {
        let event: CameraEvent? = health.counters.withLock { c in
            if active, c.openAlerts[kind] == nil {
                let alert = CameraAlert(kind: kind, cameraID: config.id, checkpoint: config.checkpoint, lane: config.lane,
                                        at: Date(), detail: detail)
                c.openAlerts[kind] = alert
                return .raised(alert)
            }
            if !active, var alert = c.openAlerts.removeValue(forKey: kind) {
                alert.at = Date()
                return .cleared(alert)
            }
            return nil
        }
        guard let event else { return }
        switch event {
        case .raised(let alert):
            logger.warning("camera alert", metadata: ["camera": "\(config.id)", "kind": "\(kind.rawValue)", "detail": "\(alert.detail)"])
        case .cleared:
            logger.notice("camera alert cleared", metadata: ["camera": "\(config.id)", "kind": "\(kind.rawValue)"])
        }
        await events.handle(event)
    }
}

/// A camera's stream time for its whole life: each connection's clock starts again (at 0, or wherever
/// the camera's clock is), so a new connection carries on after the last frame by the wall time that
/// passed. Everything downstream (sampling, freeze detection, the plate tracker) can rely on it rising.
struct CameraTimeline {
    private var offset = 0.0
    private var last: Double?
    private var lastWall: Double?
    private var fresh = true

    mutating func reconnected() { fresh = true }

    mutating func time(_ raw: Double, now: Double) -> Double {
        if fresh, let last, let lastWall { offset = last + max(0.001, now - lastWall) - raw }
        fresh = false
        var time = raw + offset
        if let last, time <= last { time = last + 0.001 }
        last = time
        lastWall = now
        return time
    }
}

/// Picks frames at `fps` out of a faster stream, by stream time.
struct FrameSampler {
    let interval: Double
    private var next: Double?

    init(fps: Double) { interval = 1 / fps }

    mutating func take(_ timestamp: Double) -> Bool {
        if let next, timestamp < next - 0.002 { return false }
        let planned = (next ?? timestamp) + interval
        // After a gap, plan from now rather than catching up with a burst.
        next = planned <= timestamp ? timestamp + interval : planned
        return true
    }
}

/// A one-shot signal a task can wait for.
final class StopSignal: Sendable {
    private let state = Mutex<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func fire() {
        let waiters = state.withLock { s in
            s.fired = true
            defer { s.waiters = [] }
            return s.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Returns when fired, or when the waiting task is cancelled.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let fired = state.withLock { s in
                    if !s.fired { s.waiters.append(continuation) }
                    return s.fired
                }
                if fired { continuation.resume() }
            }
        } onCancel: {
            fire()
        }
    }
}
