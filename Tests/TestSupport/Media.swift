import Foundation

/// Test media made by Debian's ffmpeg in the test's own temporary folder.
public enum Media {
    public enum Picture {
        /// Moving test pattern (testsrc2): every frame differs.
        case moving
        /// SMPTE colour bars: the same picture in every frame (a frozen camera).
        case still
        /// Black: a covered lens.
        case black

        func lavfi(width: Int, height: Int, rate: Int) -> String {
            switch self {
            case .moving: "testsrc2=size=\(width)x\(height):rate=\(rate)"
            case .still: "smptebars=size=\(width)x\(height):rate=\(rate)"
            case .black: "color=c=black:size=\(width)x\(height):rate=\(rate)"
            }
        }
    }

    public enum Codec {
        case h264, mjpeg
    }

    /// Writes a clip; `.h264` → MP4 without B-frames (as cameras send), `.mjpeg` → Matroska.
    @discardableResult
    public static func clip(_ url: URL, seconds: Double, width: Int = 320, height: Int = 240, rate: Int = 25,
                            picture: Picture = .moving, codec: Codec = .h264) throws -> URL {
        var arguments = ["-y", "-loglevel", "error", "-f", "lavfi",
                         "-i", picture.lavfi(width: width, height: height, rate: rate), "-t", String(seconds)]
        switch codec {
        case .h264:
            arguments += ["-c:v", "libx264", "-preset", "ultrafast", "-g", String(rate), "-bf", "0",
                          "-pix_fmt", "yuv420p", "-movflags", "+faststart"]
        case .mjpeg:
            arguments += ["-c:v", "mjpeg", "-q:v", "5", "-pix_fmt", "yuvj422p"]
        }
        try run(arguments + [url.path])
        return url
    }

    /// Runs ffmpeg and fails with its message if it fails.
    public static func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw MediaError(message: "ffmpeg \(arguments.joined(separator: " ")): \(String(decoding: message, as: UTF8.self))")
        }
    }

    /// The first `bytes` bytes of a file: a recording cut off by a full disk or a crash.
    public static func truncate(_ source: URL, to destination: URL, bytes: Int) throws {
        let data = try Data(contentsOf: source)
        try data.prefix(bytes).write(to: destination)
    }
}

public struct MediaError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// GStreamer's RTSP server (scripts/rtsp-serve.py) serving a clip on 127.0.0.1.
public final class RTSPServerProcess: @unchecked Sendable {
    public let port: Int
    public let path: String
    private let process = Process()

    public init(file: URL, port: Int, path: String = "/stream", seconds: Double = 60,
                user: String? = nil, password: String? = nil) throws {
        self.port = port
        self.path = path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        var arguments = [Self.script.path, "--port", String(port), "--file", file.path, "--path", path,
                         "--seconds", String(seconds)]
        if let user { arguments += ["--user", user, "--password", password ?? ""] }
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        guard waitForListener(port: port, timeout: 10) else {
            stop()
            throw MediaError(message: "the RTSP server did not start on port \(port)")
        }
    }

    public var url: String { "rtsp://127.0.0.1:\(port)\(path)" }

    /// Kills the server (SIGKILL: the test runner may ignore SIGTERM, and children inherit that).
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        // Bounded wait for the port to close.
        for _ in 0..<100 where process.isRunning { usleep(20_000) }
    }

    deinit { stop() }

    static var script: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/rtsp-serve.py")
    }
}

/// True once something accepts TCP connections on 127.0.0.1:`port` (bounded by `timeout` seconds).
public func waitForListener(port: Int, timeout: Double) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if (try? RawConnection(port: port)) != nil { return true }
        usleep(50_000)
    }
    return false
}
