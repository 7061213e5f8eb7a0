import Foundation
import HTTPTypes
import Testing
import TestSupport

/// End-to-end tests of the real `checkpointd` binary: signals, systemd protocol,
/// reload, restart. Each runs its own daemon on a free loopback port.
@Suite(.serialized) struct DaemonProcessTests {
    func startDaemon(_ fixture: ConfigFixture, environment: [String: String] = [:]) async throws -> (DaemonProcess, String) {
        let daemon = try DaemonProcess(fixture: fixture, environment: environment)
        let healthy = await daemon.waitUntilHealthy()
        #expect(healthy, "daemon did not become healthy:\n\(daemon.log)")
        let token = try String(contentsOf: fixture.bootstrapTokenFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return (daemon, token)
    }

    @Test func aBadConfigExits78NamingFileAndKey() async throws {
        let fixture = try ConfigFixture(port: try freePort())
        try fixture.writeRaw(ConfigFixture.yaml(port: fixture.port).replacingOccurrences(of: "log_level: info", with: "log_level: chatty"))
        let daemon = try DaemonProcess(fixture: fixture)
        let status = await daemon.waitForExit()
        #expect(status == 78)
        #expect(daemon.log.contains(fixture.configPath))
        #expect(daemon.log.contains("key 'log_level'"))
        #expect(daemon.log.contains("must be one of trace, debug, info"))
    }

    @Test func notifiesSystemdInOrderReadyWatchdogStopping() async throws {
        let fixture = try ConfigFixture(port: try freePort())
        let listener = try DatagramListener(path: fixture.directory.file("notify.sock").path)
        let daemon = try DaemonProcess(fixture: fixture, environment: [
            "NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "400000",
        ])
        var messages: [String] = []
        // READY, then at least two watchdog pings (every 200 ms).
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline, messages.filter({ $0 == "WATCHDOG=1" }).count < 2 {
            if let message = listener.receive(timeout: .milliseconds(500)) { messages.append(message) }
        }
        daemon.signal(SIGTERM)
        while ContinuousClock.now < deadline, !messages.contains(where: { $0.hasPrefix("STOPPING=1") }) {
            if let message = listener.receive(timeout: .milliseconds(500)) { messages.append(message) }
        }
        #expect(await daemon.waitForExit() == 0)
        let ready = try #require(messages.firstIndex { $0.hasPrefix("READY=1") }, "got \(messages)\n\(daemon.log)")
        #expect(messages[ready].contains("STATUS=listening on 127.0.0.1:\(fixture.port)"))
        let firstPing = try #require(messages.firstIndex(of: "WATCHDOG=1"))
        let stopping = try #require(messages.firstIndex { $0.hasPrefix("STOPPING=1") })
        #expect(ready < stopping && firstPing < stopping)
        #expect(messages.last?.hasPrefix("STOPPING=1") == true)
    }

    @Test func sigtermLetsAnInFlightRequestFinishThenExitsZero() async throws {
        let fixture = try ConfigFixture(port: try freePort())
        let (daemon, token) = try await startDaemon(fixture)
        let body = #"{"name":"in-flight","role":"device"}"#
        let connection = try RawConnection(port: fixture.port)
        connection.send("POST /api/v1/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + String(body.prefix(10)))
        try await Task.sleep(for: .milliseconds(300))
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForLog("shutting down"))
        try await Task.sleep(for: .milliseconds(300))
        #expect(daemon.process.isRunning, "the daemon must wait for the request in flight")
        connection.send(String(body.dropFirst(10)))
        let response = connection.readAll(timeout: .seconds(30))
        #expect(response.hasPrefix("HTTP/1.1 201"), "got: \(response)")
        #expect(response.contains("\"token\":\"cpd_"))
        #expect(await daemon.waitForExit() == 0)
        // New connections are refused once it has stopped.
        #expect(throws: (any Error).self) { _ = try RawConnection(port: fixture.port) }
    }

    @Test func reloadWithABadFileKeepsTheRunningConfiguration() async throws {
        let fixture = try ConfigFixture(port: try freePort())
        let (daemon, token) = try await startDaemon(fixture)

        try fixture.writeRaw(ConfigFixture.yaml(port: fixture.port).replacingOccurrences(of: "days: 30", with: "days: forever"))
        daemon.signal(SIGHUP)
        #expect(await daemon.waitForLog("reload refused"))
        #expect(daemon.log.contains("key 'retention.days'"))
        #expect(daemon.process.isRunning)
        #expect(try await HTTP.get(port: fixture.port, "/healthz").status == .ok)

        let viaAPI = try await HTTP.send(port: fixture.port, .post, "/api/v1/admin/reload", token: token)
        #expect(viaAPI.status == .unprocessableContent)
        #expect((viaAPI.json["message"] as? String)?.contains("kept the running configuration") == true)

        try fixture.write()
        try fixture.addCamera(id: "north-in")
        daemon.signal(SIGHUP)
        #expect(await daemon.waitForLog("cameras added: north-in"))
        let health = try await HTTP.get(port: fixture.port, "/healthz")
        #expect(health.text.contains("0 of 1 cameras streaming; north-in"))

        let audit = try await HTTP.get(port: fixture.port, "/api/v1/audit?action=config.reload", token: token)
        let outcomes = (audit.json["entries"] as? [[String: Any]] ?? []).compactMap { $0["outcome"] as? String }
        #expect(outcomes == ["ok", "failed", "failed"])
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0)
    }

    @Test func cliTokensWorkWhileTheDaemonRunsAndSurviveARestart() async throws {
        let fixture = try ConfigFixture(port: try freePort())
        let (daemon, _) = try await startDaemon(fixture)

        let cli = Process()
        cli.executableURL = BuildProducts.executable("checkpoint")
        cli.arguments = ["token", "create", "--role", "security", "--name", "control room", "--config", fixture.configPath]
        let output = Pipe()
        cli.standardOutput = output
        cli.standardError = Pipe()
        try cli.run()
        cli.waitUntilExit()
        #expect(cli.terminationStatus == 0)
        let secret = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("cpd_"))

        let me = try await HTTP.get(port: fixture.port, "/api/v1/me", token: secret)
        #expect(me.json["role"] as? String == "security")
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0)

        // Same state directory, new process: migrations are a no-op and the token still works.
        let (again, _) = try await startDaemon(fixture)
        #expect(try await HTTP.get(port: fixture.port, "/api/v1/me", token: secret).status == .ok)
        #expect(!again.log.contains("no admin token existed"))
        again.signal(SIGTERM)
        #expect(await again.waitForExit() == 0)
    }
}
