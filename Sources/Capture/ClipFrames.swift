import CFFmpeg
import Foundation
import Imaging

/// Decodes a recorded clip from start to end as fast as the CPU allows and hands it frames sampled at a rate,
/// as a camera's analysis loop would see them. For offline tools (`checkpoint track`): it blocks the calling
/// thread, so never call it from Swift's cooperative pool in the daemon.
public enum ClipFrames {
    /// Calls `body` with the frames of `path` sampled at `fps` (stream time); returns how many it handed over.
    /// Frame times are stream times; `capturedAt` is `start` plus the stream time, so timings stay those of the clip.
    @discardableResult
    public static func read(_ path: String, fps: Double, start: Date = Date(), cameraID: String = "clip",
                            _ body: (Frame) -> Void) throws(CaptureError) -> Int {
        let address = SourceAddress(typed: path)
        let decoder = try StreamDecoder(address: address, options: DecoderOptions(realtime: false, loop: false),
                                        interrupt: InterruptGuard())
        let converter = FrameConverter()
        let interval = fps > 0 ? 1 / fps : 0
        var next = -Double.infinity, decoded = 0, handed = 0
        do {
            while try decoder.decodeNext({ frame, timestamp throws(CaptureError) in
                decoded += 1
                // A little slack so 25 fps sampled at 5 takes every 5th frame despite rounding of the stamps.
                guard timestamp >= next - interval * 0.1 else { return }
                next = (next.isFinite ? next : timestamp) + interval
                if next <= timestamp { next = timestamp + interval }  // after a gap in the clip
                let image = try converter.convert(frame)
                handed += 1
                body(Frame(cameraID: cameraID, sequence: decoded, timestamp: timestamp,
                           capturedAt: start.addingTimeInterval(timestamp), image: image))
            }) {}
        } catch {
            if case .ended = error, handed > 0 { return handed }
            throw error
        }
        return handed
    }
}
