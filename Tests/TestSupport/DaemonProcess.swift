import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// Where `swift build` put the executables: beside the test bundle.
public enum BuildProducts {
    public static var directory: URL {
        if let dir = ProcessInfo.processInfo.environment["CHECKPOINTD_BUILD_DIR"] {
            return URL(fileURLWithPath: dir)
        }
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        // On Linux the runner is `.build/debug/<name>.xctest`; tolerate bundles one level deeper.
        if !FileManager.default.fileExists(atPath: dir.appendingPathComponent("checkpointd").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }

    public static func executable(_ name: String) -> URL { directory.appendingPathComponent(name) }
}

/// A real `checkpointd` process started on a fixture config, with its stderr kept in a file.
public final class DaemonProcess: @unchecked Sendable {
    public let process = Process()
    public let logFile: URL
    public let port: Int

    public init(fixture: ConfigFixture, environment: [String: String] = [:]) throws {
        port = fixture.port
        logFile = fixture.directory.file("daemon-\(UUID().uuidString.prefix(6)).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.executableURL = BuildProducts.executable("checkpointd")
        process.arguments = ["--config", fixture.configPath]
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        env.removeValue(forKey: "JOURNAL_STREAM")
        env.removeValue(forKey: "WATCHDOG_USEC")
        env.merge(environment) { _, new in new }
        process.environment = env
        let log = try FileHandle(forWritingTo: logFile)
        process.standardError = log
        process.standardOutput = log
        try process.run()
    }

    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Polls until `condition` holds or `timeout` passes (bounded, never spins forever).
    public static func eventually(timeout: Duration = .seconds(10), _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return await condition()
    }

    /// Waits until `/healthz` answers 200.
    public func waitUntilHealthy(timeout: Duration = .seconds(20)) async -> Bool {
        await Self.eventually(timeout: timeout) {
            guard process.isRunning else { return false }
            return (try? await HTTP.get(port: port, "/healthz").status.code) == 200
        }
    }

    public func waitForLog(_ text: String, timeout: Duration = .seconds(10)) async -> Bool {
        await Self.eventually(timeout: timeout) { log.contains(text) }
    }

    /// Waits for the process to exit and returns its status (nil if it did not exit in time).
    public func waitForExit(timeout: Duration = .seconds(20)) async -> Int32? {
        let exited = await Self.eventually(timeout: timeout) { !process.isRunning }
        return exited ? process.terminationStatus : nil
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Tiny HTTP helpers over HummingbirdTesting's real-socket client.
public enum HTTP {
    public static func get(port: Int, _ path: String, token: String? = nil) async throws -> TestClient.Response {
        try await send(port: port, .get, path, token: token)
    }

    public static func send(port: Int, _ method: HTTPRequest.Method, _ path: String, token: String? = nil,
                            json: String? = nil, headers extra: HTTPFields = [:]) async throws -> TestClient.Response {
        try await TestClient.withClient(host: "127.0.0.1", port: port,
                                        configuration: .init(timeout: .seconds(10))) { client in
            var headers = extra
            if let token { headers[.authorization] = "Bearer \(token)" }
            var body: ByteBuffer?
            if let json {
                if headers[.contentType] == nil { headers[.contentType] = "application/json" }
                body = ByteBuffer(string: json)
            }
            return try await client.execute(.init(path, method: method, authority: "127.0.0.1", headers: headers, body: body))
        }
    }
}

extension TestClient.Response {
    public var text: String { body.map { String(buffer: $0) } ?? "" }

    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// `error.code` of an API error body.
    public var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
}
