import Foundation
import Testing
import TestSupport

/// What the browser tests start from: a daemon on a fresh configuration, healthy, its bootstrap admin token,
/// and one person of `role` created through the CLI with the password "correct horse battery".
func startDaemonWithPerson(_ name: String, role: String) async throws -> (fixture: ConfigFixture, daemon: DaemonProcess, admin: String) {
    let fixture = try ConfigFixture(port: try freePort())
    let daemon = try DaemonProcess(fixture: fixture)
    #expect(await daemon.waitUntilHealthy(), "\(daemon.log)")
    let admin = try String(contentsOf: fixture.bootstrapTokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    let created = try await runToolOffPool(BuildProducts.executable("checkpoint").path,
                                           ["user", "create", "--name", name, "--role", role, "--config", fixture.configPath],
                                           stdin: "correct horse battery\n")
    #expect(created.status == 0)
    return (fixture, daemon, admin)
}
