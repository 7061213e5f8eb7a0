import CFFmpeg
import Foundation

/// What the decoder learned about the stream when it opened.
public struct StreamInfo: Sendable, Equatable {
    public var codec: String
    public var width: Int
    public var height: Int
    /// Nominal frame rate from the container or stream, if it says.
    public var nominalFPS: Double?
}

/// How to open one source.
struct DecoderOptions: Sendable {
    var transport: String = "tcp"
    /// Longest a read or a gap between frames may last before the stream counts as stalled.
    var ioTimeoutSeconds: Double = 10
    /// Longest connecting and reading the stream's parameters may take.
    var openTimeoutSeconds: Double = 15
    /// Files are played at their own frame rate (like a camera); `false` decodes as fast as possible.
    var realtime: Bool = true
    var loop: Bool = false
    /// libavcodec threads; 1 keeps one camera on one core, honest about CPU.
    var decodeThreads: Int = 1
}

/// Demuxes and decodes one video stream with libavformat/libavcodec.
///
/// Blocking by nature: use it on a thread of its own, never on Swift's
/// cooperative pool. Every blocking call is bounded by the `InterruptGuard`.
/// When decoding falls behind a live stream by more than a second it stops
/// decoding non-reference frames (`AVDISCARD_NONREF`) until it catches up.
final class StreamDecoder {
    private(set) var info = StreamInfo(codec: "", width: 0, height: 0, nominalFPS: nil)
    private let address: SourceAddress
    private let options: DecoderOptions
    private let interrupt: InterruptGuard
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var streamIndex: Int32 = -1
    private var timeBase = 1.0 / 90000
    private var frameDuration = 0.04

    // Timing state.
    private var lastTimestamp: Double?
    private var loopOffset = 0.0
    private var pendingLoopOffset: Double?
    private var clockBase: (wall: UInt64, stream: Double)?
    private var skippingNonReference = false
    private var draining = false
    /// Frames since the file last started; a looping file that yields none is broken, not empty.
    private var framesThisPass = 0
    /// Packets the decoder refused in a row; a stream of only garbage is an error, a few bad packets are not.
    private var consecutiveBadPackets = 0
    private(set) var decodeErrors = 0

    init(address: SourceAddress, options: DecoderOptions, interrupt: InterruptGuard) throws(CaptureError) {
        self.address = address
        self.options = options
        self.interrupt = interrupt

        guard var context = avformat_alloc_context() else { throw .unsupported(url: address.masked, reason: "out of memory") }
        context.pointee.interrupt_callback = AVIOInterruptCB(
            callback: InterruptGuard.callback, opaque: Unmanaged.passUnretained(interrupt).toOpaque())
        var dictionary: OpaquePointer? = nil
        defer { av_dict_free(&dictionary) }
        let micros = String(Int(options.ioTimeoutSeconds * 1e6))
        if address.scheme.hasPrefix("rtsp") {
            av_dict_set(&dictionary, "rtsp_transport", options.transport, 0)
            av_dict_set(&dictionary, "timeout", micros, 0)
        }
        if !address.isFile {
            av_dict_set(&dictionary, "rw_timeout", micros, 0)
            av_dict_set(&dictionary, "fflags", "nobuffer", 0)
        }
        av_dict_set(&dictionary, "probesize", "2000000", 0)
        av_dict_set(&dictionary, "analyzeduration", "1000000", 0)

        var contextPointer: UnsafeMutablePointer<AVFormatContext>? = context
        interrupt.arm(seconds: options.openTimeoutSeconds)
        let opened = avformat_open_input(&contextPointer, address.openable, nil, &dictionary)
        guard opened >= 0, let opened_ = contextPointer else {
            // avformat_open_input frees the context on failure.
            throw Self.failure(opened, address, interrupt, step: "open")
        }
        context = opened_
        format = context

        do throws(CaptureError) {
            interrupt.arm(seconds: options.openTimeoutSeconds)
            let found = avformat_find_stream_info(context, nil)
            guard found >= 0 else { throw Self.failure(found, address, interrupt, step: "read stream info") }

            var decoder: UnsafePointer<AVCodec>? = nil
            let index = av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0)
            guard index >= 0, let decoder else {
                throw index == cpd_averror_decoder_not_found()
                    ? CaptureError.unsupported(url: address.masked, reason: "no decoder for its video codec")
                    : CaptureError.unsupported(url: address.masked, reason: "no video stream")
            }
            streamIndex = index
            // Only the video stream is demuxed; audio and data packets are discarded early.
            for i in 0..<Int(context.pointee.nb_streams) where Int32(i) != index {
                context.pointee.streams[i]!.pointee.discard = AVDISCARD_ALL
            }
            let stream = context.pointee.streams[Int(index)]!
            timeBase = av_q2d(stream.pointee.time_base)
            let rate = av_guess_frame_rate(context, stream, nil)
            let fps = rate.den > 0 && rate.num > 0 ? av_q2d(rate) : nil
            frameDuration = fps.map { 1 / $0 } ?? 0.04

            guard let codecContext = avcodec_alloc_context3(decoder) else {
                throw CaptureError.unsupported(url: address.masked, reason: "out of memory")
            }
            codec = codecContext
            guard avcodec_parameters_to_context(codecContext, stream.pointee.codecpar) >= 0 else {
                throw CaptureError.unsupported(url: address.masked, reason: "invalid codec parameters")
            }
            codecContext.pointee.thread_count = Int32(max(1, options.decodeThreads))
            codecContext.pointee.flags |= Int32(AV_CODEC_FLAG_LOW_DELAY)
            let openedCodec = avcodec_open2(codecContext, decoder, nil)
            guard openedCodec >= 0 else { throw Self.failure(openedCodec, address, interrupt, step: "open decoder") }

            packet = av_packet_alloc()
            frame = av_frame_alloc()
            info = StreamInfo(codec: String(cString: decoder.pointee.name),
                              width: Int(codecContext.pointee.width), height: Int(codecContext.pointee.height),
                              nominalFPS: fps)
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    private func close() {
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
        if format != nil { avformat_close_input(&format) }
    }

    private static func failure(_ code: Int32, _ address: SourceAddress, _ interrupt: InterruptGuard, step: String) -> CaptureError {
        if interrupt.isCancelled { return .ended(url: address.masked) }
        if code == cpd_averror_exit() || interrupt.hasTimedOut {
            return .unreachable(url: address.masked, reason: "\(step): timed out")
        }
        return AVFailure.classify(code, url: address.masked, during: step)
    }

    /// Decodes up to the next frame and passes it to `body` with its stream time.
    /// Returns false at the end of a non-looping source.
    func decodeNext(_ body: (UnsafePointer<AVFrame>, Double) throws(CaptureError) -> Void) throws(CaptureError) -> Bool {
        guard let format, let codec, let packet, let frame else { return false }
        while true {
            let received = avcodec_receive_frame(codec, frame)
            if received == 0 {
                consecutiveBadPackets = 0
                framesThisPass += 1
                let timestamp = stamp(frame)
                defer { av_frame_unref(frame) }
                try pace(timestamp)
                try body(UnsafePointer(frame), timestamp)
                // The next frame must come within the I/O timeout, or the stream has stalled.
                interrupt.arm(seconds: options.ioTimeoutSeconds)
                return true
            }
            if received == cpd_averror_eof() {
                guard options.loop, address.isFile else { return false }
                try restartFile()
                continue
            }
            if received != cpd_averror(EAGAIN) {
                decodeErrors += 1
                throw AVFailure.classify(received, url: address.masked, during: "decode")
            }
            if draining {
                // Draining is finished only when the decoder says EOF.
                continue
            }
            let read = av_read_frame(format, packet)
            if read == cpd_averror_eof() {
                guard address.isFile else { throw CaptureError.ended(url: address.masked) }
                draining = true
                avcodec_send_packet(codec, nil)
                continue
            }
            if read < 0 {
                throw Self.failure(read, address, interrupt, step: "read")
            }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            let sent = avcodec_send_packet(codec, packet)
            if sent < 0 && sent != cpd_averror(EAGAIN) {
                decodeErrors += 1
                consecutiveBadPackets += 1
                if consecutiveBadPackets >= 50 {
                    throw AVFailure.classify(sent, url: address.masked, during: "decode")
                }
            }
        }
    }

    /// Seeks a looping file back to its start; timestamps carry on from where the last pass ended.
    private func restartFile() throws(CaptureError) {
        guard let format, let codec else { return }
        guard framesThisPass > 0 else {
            throw .invalidData(url: address.masked, reason: "no decodable frame in the whole file")
        }
        framesThisPass = 0
        let sought = av_seek_frame(format, -1, 0, AVSEEK_FLAG_BACKWARD)
        guard sought >= 0 else { throw AVFailure.classify(sought, url: address.masked, during: "seek to start") }
        avcodec_flush_buffers(codec)
        draining = false
        pendingLoopOffset = (lastTimestamp ?? 0) + frameDuration
    }

    /// Stream time of a frame in seconds, made strictly increasing across loops and bad timestamps.
    private func stamp(_ frame: UnsafeMutablePointer<AVFrame>) -> Double {
        let pts = frame.pointee.best_effort_timestamp
        var raw = pts == Int64.min ? nil : Double(pts) * timeBase
        if let pending = pendingLoopOffset {
            loopOffset = pending - (raw ?? 0)
            pendingLoopOffset = nil
        }
        if raw != nil { raw! += loopOffset }
        var timestamp = raw ?? ((lastTimestamp ?? 0) + frameDuration)
        if let last = lastTimestamp, timestamp <= last { timestamp = last + min(frameDuration, 0.001) }
        lastTimestamp = timestamp
        return timestamp
    }

    /// Plays files at their own rate, and tracks how far a live stream is behind the wall clock.
    private func pace(_ timestamp: Double) throws(CaptureError) {
        let now = InterruptGuard.now()
        guard let base = clockBase else {
            clockBase = (now, timestamp)
            return
        }
        let due = base.wall &+ UInt64(max(0, timestamp - base.stream) * 1e9)
        if address.isFile && options.realtime {
            if due > now {
                let wait = Double(due - now) / 1e9
                if wait > 2 {
                    clockBase = (now, timestamp)  // a jump in the file's timestamps: start the clock again
                } else if !interrupt.sleep(seconds: wait) {
                    throw CaptureError.ended(url: address.masked)
                }
            }
        } else if due > now {
            // The stream is ahead of our clock (a burst at connect): move the base so lag is measured from here.
            clockBase = (now, timestamp)
        }
        guard let codec, options.realtime || !address.isFile else { return }
        let lag = now > due ? Double(now - due) / 1e9 : 0
        if !skippingNonReference && lag > 1 {
            skippingNonReference = true
            codec.pointee.skip_frame = AVDISCARD_NONREF
        } else if skippingNonReference && lag < 0.25 {
            skippingNonReference = false
            codec.pointee.skip_frame = AVDISCARD_DEFAULT
        }
    }

    var isSkippingNonReference: Bool { skippingNonReference }
}
