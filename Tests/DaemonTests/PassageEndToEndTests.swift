import Foundation
import Testing
import TestSupport

/// The whole path on loopback: a generated clip of a gate lane served over RTSP → the daemon reads the
/// plates → one entry record per vehicle in the database, on the API and on its live stream, and the
/// watchlisted plate's alert.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct PassageEndToEndTests {
    @Test func anRTSPCameraGivesPassagesAndAWatchlistAlert() async throws {
        let fixture = try ConfigFixture(port: try freePort())
        try FileManager.default.createDirectory(at: fixture.directory.file("cameras"), withIntermediateDirectories: true)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/make-demo-clip.sh")
        let clip = fixture.directory.file("lane.mp4")
        let made = try await runToolOffPool("/bin/bash", [script.path, "--plates", "粤BD27584,川AF369W1", clip.path])
        #expect(made.status == 0)
        let server = try RTSPServerProcess(file: clip, port: try freePort(), seconds: 120)
        defer { server.stop() }
        try fixture.addCamera(id: "lane", url: server.url, extra: "analyse_fps: 5\nplate_regions: [cn]")
        let list = try fixture.directory.write("kind,value,reason,severity,valid_until\nplate,粤BD27584,stolen,critical,\n",
                                              to: "watchlist.csv")
        let imported = try await runToolOffPool(BuildProducts.executable("checkpoint").path,
                                   ["watchlist", "import", list.path, "--config", fixture.configPath])
        #expect(imported.status == 0)

        let daemon = try DaemonProcess(fixture: fixture)
        #expect(await daemon.waitUntilHealthy(), "\(daemon.log)")
        let token = try String(contentsOf: fixture.bootstrapTokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let port = fixture.port
        // The lane view's stream, open from the start: the passages arrive on it as they are committed.
        let stream = try EventStreamClient(port: port, path: "/api/v1/entries/stream?checkpoint=main-gate&after=0", token: token)
        #expect(await stream.waitForStatus(timeout: .seconds(30)) == 200)
        let alertStream = try EventStreamClient(port: port, path: "/api/v1/alerts/stream?after=0", token: token)
        #expect(await alertStream.waitForStatus(timeout: .seconds(30)) == 200)
        // Each vehicle is in view for about 2 s of a 12 s clip; allow a whole loop and a half.
        var streamed: [String: String] = [:]
        let deadline = ContinuousClock.now + .seconds(45)
        while (streamed["粤BD27584"] == nil || streamed["川AF369W1"] == nil) && ContinuousClock.now < deadline {
            for event in await stream.events(1, timeout: .seconds(1)) {
                let item = (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) as? [String: Any] ?? [:]
                if let plate = item["plate"] as? String { streamed[plate] = item["verdict"] as? String }
            }
        }
        #expect(streamed["粤BD27584"] == "alert", "streamed: \(streamed)\n\(daemon.log)")
        #expect(streamed["川AF369W1"] == "allowed", "streamed: \(streamed)")
        // The watchlisted plate's alert on the security centre's stream.
        // Camera conditions may come too, before or after it.
        var streamedAlerts: [EventStreamClient.Event] = []
        let isHit = { (event: EventStreamClient.Event) in
            event.name == "alert" && event.data.contains("\"watchlist_hit\"") && event.data.contains("粤BD27584")
        }
        let alertDeadline = ContinuousClock.now + .seconds(30)
        while !streamedAlerts.contains(where: isHit) && !alertStream.closed && ContinuousClock.now < alertDeadline {
            streamedAlerts += await alertStream.events(1, timeout: .seconds(1))
        }
        #expect(streamedAlerts.contains(where: isHit), "\(streamedAlerts)")
        // The same records on the list, one per vehicle pass.
        var plates: [String: String] = [:]
        let response = try await HTTP.get(port: port, "/api/v1/entries?checkpoint=main-gate", token: token)
        for item in response.json["entries"] as? [[String: Any]] ?? [] {
            if let plate = item["plate"] as? String { plates[plate] = item["verdict"] as? String }
        }
        #expect(plates["粤BD27584"] == "alert" && plates["川AF369W1"] == "allowed", "entries: \(plates)")
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0)

        let alerts = try await runToolOffPool("/usr/bin/sqlite3", [fixture.databasePath,
            "SELECT DISTINCT kind, severity, camera_id FROM alert WHERE kind = 'watchlist_hit'"])
        #expect(alerts.output.trimmingCharacters(in: .whitespacesAndNewlines) == "watchlist_hit|critical|lane")
        let snapshots = try await runToolOffPool("/usr/bin/sqlite3", [fixture.databasePath,
            "SELECT COUNT(*) FROM passage WHERE snapshot_path IS NULL"])
        #expect(snapshots.output.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "every passage keeps its picture")
    }
}
