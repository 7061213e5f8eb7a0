import CFFmpeg
import CJPEG
import CQREncode

/// Versions of the C libraries the daemon is linked against, for `--version`
/// and start-up logs: the first thing to check when a camera codec misbehaves.
public enum LibraryVersions {
    public static var all: [(name: String, version: String)] {
        [
            ("libavformat", dotted(avformat_version())),
            ("libavcodec", dotted(avcodec_version())),
            ("libavutil", dotted(avutil_version())),
            ("libjpeg", "\(JPEG_LIB_VERSION / 10).\(JPEG_LIB_VERSION % 10)"),
            ("libswscale", dotted(swscale_version())),
            ("libqrencode", qrencodeVersion),
        ]
    }

    private static var qrencodeVersion: String {
        var major: Int32 = 0, minor: Int32 = 0, micro: Int32 = 0
        QRcode_APIVersion(&major, &minor, &micro)
        return "\(major).\(minor).\(micro)"
    }

    private static func dotted(_ version: UInt32) -> String {
        "\(version >> 16).\((version >> 8) & 0xFF).\(version & 0xFF)"
    }
}
