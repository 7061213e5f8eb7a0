import Foundation
import Testing
import TestSupport

/// The shipped unit file must pass `systemd-analyze verify` and keep its hardening.
@Suite struct SystemdUnitTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func unitText() throws -> String {
        try String(contentsOf: Self.repo.appendingPathComponent("systemd/checkpointd.service"), encoding: .utf8)
    }

    @Test func systemdAnalyzeVerifyPasses() throws {
        let tool = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let analyzer = try #require(tool, "systemd-analyze is missing: apt-get install systemd")
        // verify checks that ExecStart exists, so point it at the binary this build made.
        let dir = try TemporaryDirectory()
        let unit = try unitText().replacingOccurrences(
            of: "/usr/local/bin/checkpointd", with: BuildProducts.executable("checkpointd").path)
        let file = try dir.write(unit, to: "checkpointd.service")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: analyzer)
        process.arguments = ["verify", file.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = errors
        try process.run()
        process.waitUntilExit()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.isEmpty, "\(output)")
    }

    @Test func theUnitIsANotifyServiceWithWatchdogAndHardening() throws {
        let lines = Set(try unitText().split(separator: "\n").map(String.init))
        for required in [
            "Type=notify", "WatchdogSec=30", "Restart=on-failure", "RestartPreventExitStatus=78",
            "StateDirectory=checkpointd", "ConfigurationDirectory=checkpointd", "User=checkpointd",
            "ProtectSystem=strict", "ProtectHome=yes", "NoNewPrivileges=yes", "PrivateTmp=yes",
            "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "SystemCallFilter=@system-service",
            "ExecReload=/bin/kill -HUP $MAINPID",
        ] {
            #expect(lines.contains(required), "missing \(required)")
        }
    }
}
