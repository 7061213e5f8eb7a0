import CFFmpeg
import Foundation

/// What `checkpoint probe` prints: the first thing an installer checks at a new gate.
public struct ProbeResult: Sendable, Equatable {
    public var source: String
    public var framesDecoded: Int
    /// Frames decoded per second of wall time (stream rate for live sources,
    /// decoder throughput for files unless played in real time).
    public var fps: Double
    public var width: Int?
    public var height: Int?
    public var codec: String?
    public var errors: [String]
    /// Process CPU seconds spent per wall second while decoding (1.0 = one core busy).
    public var cpuCores: Double
}

/// libav's own console messages: errors only (capture reports problems itself, with the camera's name).
public enum LibAVLogging {
    public static func quiet() { av_log_set_level(AV_LOG_ERROR) }
}

/// Opens a source, decodes it for a while and reports what came out.
public enum SourceProbe {
    public static func run(address: SourceAddress, seconds: Double, transport: String = "tcp",
                           realtime: Bool = false, loop: Bool = false, decodeThreads: Int = 1,
                           timeoutSeconds: Double = 10) async -> ProbeResult {
        let interrupt = InterruptGuard()
        return await withTaskCancellationHandler {
            await BlockingThread.run(name: "probe") {
                probe(address, seconds, DecoderOptions(transport: transport, ioTimeoutSeconds: timeoutSeconds,
                                                       openTimeoutSeconds: timeoutSeconds,
                                                       realtime: realtime, loop: loop, decodeThreads: decodeThreads),
                      interrupt)
            }
        } onCancel: {
            interrupt.cancel()
        }
    }

    private static func probe(_ address: SourceAddress, _ seconds: Double, _ options: DecoderOptions,
                              _ interrupt: InterruptGuard) -> ProbeResult {
        var result = ProbeResult(source: address.masked, framesDecoded: 0, fps: 0, width: nil, height: nil, codec: nil,
                                 errors: [], cpuCores: 0)
        let start = InterruptGuard.now()
        let cpuStart = cpuSeconds()
        var firstFrame: UInt64?
        decode(address, seconds, options, interrupt, into: &result, start: start, firstFrame: &firstFrame)
        let wall = Double(InterruptGuard.now() - start) / 1e9
        // Frame rate from the first frame on: connecting and probing the stream is not decoding.
        if let firstFrame, result.framesDecoded > 1 {
            let streaming = Double(InterruptGuard.now() - firstFrame) / 1e9
            result.fps = streaming > 0 ? Double(result.framesDecoded - 1) / streaming : 0
        }
        result.cpuCores = wall > 0 ? (cpuSeconds() - cpuStart) / wall : 0
        return result
    }

    private static func decode(_ address: SourceAddress, _ seconds: Double, _ options: DecoderOptions,
                               _ interrupt: InterruptGuard, into result: inout ProbeResult, start: UInt64,
                               firstFrame: inout UInt64?) {
        let deadline = start + UInt64(seconds * 1e9)
        do {
            let decoder = try StreamDecoder(address: address, options: options, interrupt: interrupt)
            result.codec = decoder.info.codec
            result.width = decoder.info.width
            result.height = decoder.info.height
            var lastSize: (Int32, Int32)?
            while InterruptGuard.now() < deadline, try decoder.decodeNext({ frame, _ in
                if result.framesDecoded == 0 { firstFrame = InterruptGuard.now() }
                result.framesDecoded += 1
                lastSize = (frame.pointee.width, frame.pointee.height)
            }) {}
            if let lastSize {
                result.width = Int(lastSize.0)
                result.height = Int(lastSize.1)
            }
            if decoder.decodeErrors > 0 { result.errors.append("\(decoder.decodeErrors) packets could not be decoded") }
        } catch {
            if case .ended = error, result.framesDecoded > 0 { return }
            result.errors.append(error.description)
        }
    }

    /// User + system CPU time of this process.
    public static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
