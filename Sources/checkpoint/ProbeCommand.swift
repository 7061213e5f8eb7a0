import ArgumentParser
import Capture
import Foundation

/// `checkpoint probe URL`: opens a camera (or file), decodes for a few seconds and says what came out.
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Open a camera stream or file, decode it for a few seconds and report frames, size and codec.",
        discussion: """
            Credentials may be given inline (rtsp://user:pass@host/…); they are masked in the output.
            Exits 0 when at least one frame was decoded, 1 otherwise.
            """)

    @Argument(help: "rtsp://, rtsps://, http(s):// (MJPEG/HLS) URL, or a file path.")
    var url: String

    @Option(help: "How long to decode.")
    var seconds: Double = 5

    @Option(help: "RTSP transport: tcp or udp.")
    var transport: String = "tcp"

    @Option(help: "Give up on a connect or read after this many seconds.")
    var timeout: Double = 10

    @Option(help: "Decoder threads (1 = one core, as the daemon does by default).")
    var threads: Int = 1

    @Flag(help: "Play files at their own frame rate instead of decoding as fast as possible.")
    var realtime = false

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard seconds > 0, seconds <= 3600 else { throw ValidationError("--seconds must be between 0 and 3600") }
        guard ["tcp", "udp"].contains(transport) else { throw ValidationError("--transport must be tcp or udp") }
        guard (1...16).contains(threads) else { throw ValidationError("--threads must be 1 to 16") }
    }

    func run() async throws {
        let address = SourceAddress(typed: url)
        let result = await SourceProbe.run(address: address, seconds: seconds, transport: transport, realtime: realtime,
                                           loop: realtime, decodeThreads: threads, timeoutSeconds: timeout)
        if json {
            var object: [String: Any] = [
                "source": result.source, "frames_decoded": result.framesDecoded,
                "fps": (result.fps * 100).rounded() / 100, "errors": result.errors,
                "cpu_cores": (result.cpuCores * 100).rounded() / 100,
            ]
            object["width"] = result.width ?? NSNull()
            object["height"] = result.height ?? NSNull()
            object["codec"] = result.codec ?? NSNull()
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("source:         \(result.source)")
            print("codec:          \(result.codec ?? "-")")
            print("size:           \(result.width.map(String.init) ?? "-")x\(result.height.map(String.init) ?? "-")")
            print("frames decoded: \(result.framesDecoded)")
            print("fps:            \(String(format: "%.1f", result.fps))")
            print("cpu:            \(String(format: "%.2f", result.cpuCores)) cores")
            for error in result.errors { print("error:          \(error)") }
        }
        if result.framesDecoded == 0 { throw ExitCode(1) }
    }
}
