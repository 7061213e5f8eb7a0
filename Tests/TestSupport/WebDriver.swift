import Foundation
import HTTPTypes

/// A real headless Chromium driven over the W3C WebDriver protocol by Debian's chromedriver.
public final class WebDriver: @unchecked Sendable {
    public let port: Int
    let process = Process()
    public private(set) var sessionID = ""

    public enum Failure: Error, CustomStringConvertible {
        case missing(String), protocolError(String)
        public var description: String {
            switch self {
            case .missing(let what): return "\(what) is missing: apt-get install chromium chromium-driver"
            case .protocolError(let what): return "webdriver: \(what)"
            }
        }
    }

    public static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public init() async throws {
        guard let driver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { throw Failure.missing("chromedriver") }
        guard let browser = Self.chromium else { throw Failure.missing("chromium") }
        port = try freePort()
        process.executableURL = URL(fileURLWithPath: driver)
        process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let up = await DaemonProcess.eventually(timeout: .seconds(15)) {
            (try? await self.call(.get, "/status")) != nil
        }
        guard up else { throw Failure.protocolError("chromedriver did not start") }
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome",
            "goog:chromeOptions": ["binary": browser, "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1200", "--no-first-run", "--disable-extensions",
            ]],
        ]]]
        let value = try await call(.post, "/session", capabilities)
        guard let id = (value as? [String: Any])?["sessionId"] as? String else {
            throw Failure.protocolError("no session: \(String(describing: value))")
        }
        sessionID = id
    }

    @discardableResult
    func call(_ method: HTTPRequest.Method, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        // chromedriver writes headers as `Name:value` (no space), which NIO's and curl's
        // parsers refuse; a plain HTTP/1.0-style exchange on a socket reads it fine.
        var payload = Data()
        if let body {
            payload = try JSONSerialization.data(withJSONObject: body)
        } else if method == .post {
            payload = Data("{}".utf8)
        }
        let port = self.port
        let request = "\(method.rawValue) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
            + "Content-Type: application/json; charset=utf-8\r\nContent-Length: \(payload.count)\r\n\r\n"
            + String(decoding: payload, as: UTF8.self)
        // The browser may take seconds to answer (a page load): wait on a thread of our own, not the shared pool's.
        let reply = try await offPool {
            let connection = try RawConnection(port: port)
            connection.send(request)
            return connection.readResponse(timeout: .seconds(60))
        }
        let statusCode = reply.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
        let responseBody = reply.range(of: "\r\n\r\n").map { String(reply[$0.upperBound...]) } ?? ""
        let json = (try? JSONSerialization.jsonObject(with: Data(responseBody.utf8))) as? [String: Any]
        guard (200..<300).contains(statusCode) else {
            throw Failure.protocolError("\(method) \(path): \(statusCode) \(responseBody.prefix(300))")
        }
        return json?["value"] ?? nil
    }

    public func open(_ url: String) async throws { try await call(.post, "/session/\(sessionID)/url", ["url": url]) }

    public func currentURL() async throws -> String { (try await call(.get, "/session/\(sessionID)/url") as? String) ?? "" }

    public func element(_ css: String) async throws -> String {
        let value = try await call(.post, "/session/\(sessionID)/element", ["using": "css selector", "value": css])
        guard let id = (value as? [String: Any])?.values.first as? String else { throw Failure.protocolError("no element \(css)") }
        return id
    }

    public func type(_ css: String, _ text: String) async throws {
        let id = try await element(css)
        try await call(.post, "/session/\(sessionID)/element/\(id)/value", ["text": text])
    }

    public func clear(_ css: String) async throws {
        let id = try await element(css)
        try await call(.post, "/session/\(sessionID)/element/\(id)/clear")
    }

    public func click(_ css: String) async throws {
        let id = try await element(css)
        try await call(.post, "/session/\(sessionID)/element/\(id)/click")
    }

    public func text(_ css: String) async throws -> String {
        let id = try await element(css)
        return (try await call(.get, "/session/\(sessionID)/element/\(id)/text") as? String) ?? ""
    }

    /// PNG of the whole viewport, or of one element.
    public func screenshot(_ css: String? = nil) async throws -> Data {
        let path: String
        if let css { path = "/session/\(sessionID)/element/\(try await element(css))/screenshot" } else {
            path = "/session/\(sessionID)/screenshot"
        }
        guard let text = try await call(.get, path) as? String, let data = Data(base64Encoded: text) else {
            throw Failure.protocolError("no screenshot")
        }
        return data
    }

    /// Runs `script` (a function body; `return` gives the value) in the page and returns its value.
    public func execute(_ script: String) async throws -> Any? {
        try await call(.post, "/session/\(sessionID)/execute/sync", ["script": script, "args": [Any]()])
    }

    /// Polls until the element's text satisfies `condition` (bounded).
    public func waitForText(_ css: String, timeout: Duration = .seconds(10), _ condition: @escaping (String) -> Bool) async -> String {
        var last = ""
        _ = await DaemonProcess.eventually(timeout: timeout) {
            last = (try? await self.text(css)) ?? ""
            return condition(last)
        }
        return last
    }

    public func quit() async {
        if !sessionID.isEmpty { _ = try? await call(.delete, "/session/\(sessionID)") }
        if process.isRunning {
            process.terminate()
            _ = await DaemonProcess.eventually(timeout: .seconds(5)) { !self.process.isRunning }
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Runs a command-line tool and returns its exit status and standard output.
@discardableResult
public func runTool(_ path: String, _ arguments: [String], stdin: String? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// `runTool` on a thread of its own, for tools that run for seconds: a test blocking one of the (on a 2-core
/// machine, two) threads of Swift's shared pool would stall every other test's async work meanwhile.
public func runToolOffPool(_ path: String, _ arguments: [String], stdin: String? = nil) async throws -> (status: Int32, output: String) {
    try await offPool { try runTool(path, arguments, stdin: stdin) }
}

/// Runs blocking work (a process, a socket read) on a thread of its own and awaits its result.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            do {
                continuation.resume(returning: try body())
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}
