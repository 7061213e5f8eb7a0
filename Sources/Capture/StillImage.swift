import CFFmpeg
import Foundation
import Imaging

/// Loads a photo from disk: JPEG through libjpeg-turbo, anything else libavcodec
/// decodes (PNG, BMP, …) through the same decoder as the cameras.
public enum StillImage {
    public static func load(_ url: URL) throws(CaptureError) -> YCbCrImage {
        let ext = url.pathExtension.lowercased()
        if ext == "jpg" || ext == "jpeg" {
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                throw .notFound(url: url.path, reason: error.localizedDescription)
            }
            do { return try JPEGDecoder().decode(data) } catch {
                throw .invalidData(url: url.path, reason: error.message)
            }
        }
        let interrupt = InterruptGuard()
        let decoder = try StreamDecoder(address: SourceAddress(typed: url.path),
                                        options: DecoderOptions(realtime: false), interrupt: interrupt)
        let converter = FrameConverter()
        var image: YCbCrImage?
        _ = try decoder.decodeNext { frame, _ throws(CaptureError) in image = try converter.convert(frame) }
        guard let image else { throw .invalidData(url: url.path, reason: "no picture in the file") }
        return image
    }
}
