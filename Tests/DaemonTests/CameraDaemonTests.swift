import Foundation
import HTTPTypes
import Testing
import TestSupport

/// The real daemon with real camera files: reload, alerts in the database, the probe CLI.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CameraDaemonTests {
    func cameras(_ port: Int, _ token: String) async throws -> [String: [String: Any]] {
        let response = try await HTTP.get(port: port, "/api/v1/cameras", token: token)
        let list = response.json["cameras"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: list.map { ($0["id"] as? String ?? "", $0) })
    }

    @Test func sighupRestartsTheChangedCameraAndLeavesTheOthersConnected() async throws {
        let fixture = try ConfigFixture(port: try freePort())
        try FileManager.default.createDirectory(at: fixture.directory.file("cameras"), withIntermediateDirectories: true)
        let clip = try Media.clip(fixture.directory.file("cameras/lane.mp4"), seconds: 1)
        try fixture.addCamera(id: "east", url: "file:lane.mp4", extra: "loop: true")
        try fixture.addCamera(id: "west", url: "file:lane.mp4", extra: "loop: true")
        let daemon = try DaemonProcess(fixture: fixture)
        #expect(await daemon.waitUntilHealthy(), "\(daemon.log)")
        let token = try String(contentsOf: fixture.bootstrapTokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let port = fixture.port
        #expect(await DaemonProcess.eventually(timeout: .seconds(15)) {
            let all = (try? await cameras(port, token)) ?? [:]
            return all["east"]?["state"] as? String == "streaming" && all["west"]?["state"] as? String == "streaming"
        })
        let eastBefore = try await cameras(port, token)["east"]?["frames_decoded"] as? Int ?? 0

        try fixture.addCamera(id: "west", url: "file:lane.mp4", extra: "loop: true\nanalyse_fps: 2")
        try fixture.addCamera(id: "north", url: "file:\(clip.path)", extra: "loop: true")
        daemon.signal(SIGHUP)
        #expect(await daemon.waitForLog("cameras added: north; cameras changed: west"), "\(daemon.log)")
        #expect(await DaemonProcess.eventually(timeout: .seconds(15)) {
            (try? await cameras(port, token))?["north"]?["state"] as? String == "streaming"
        })
        let after = try await cameras(port, token)
        #expect(after["east"]?["connections"] as? Int == 1, "east kept its connection")
        #expect((after["east"]?["frames_decoded"] as? Int ?? 0) > eastBefore, "and kept counting")
        #expect(daemon.log.components(separatedBy: "camera connected").count - 1 == 4, "east, west, west again, north")

        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0)
    }

    @Test func deadCameraIsOfflineInHealthAndItsAlertIsStored() async throws {
        let fixture = try ConfigFixture(port: try freePort())
        try fixture.addCamera(id: "dead", url: "rtsp://127.0.0.1:\(try freePort())/stream", extra: "stall_seconds: 1")
        let daemon = try DaemonProcess(fixture: fixture)
        #expect(await daemon.waitUntilHealthy(), "\(daemon.log)")
        #expect(await daemon.waitForLog("camera alert"), "\(daemon.log)")
        let health = try await HTTP.get(port: fixture.port, "/healthz")
        #expect(health.status == .ok, "a dead camera degrades health but must not fail it (systemd would restart us)")
        #expect(health.text.contains("dead offline"))
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0)

        let rows = try await runToolOffPool("/usr/bin/sqlite3", [fixture.databasePath,
            "SELECT kind, severity, camera_id, checkpoint, cleared_at IS NULL FROM alert"])
        #expect(rows.output.trimmingCharacters(in: .whitespacesAndNewlines) == "camera_offline|warning|dead|main-gate|1")
    }

    @Test func probeReportsFramesSizeAndCodecAsJSON() async throws {
        let dir = try TemporaryDirectory()
        let clip = try Media.clip(dir.file("probe.mp4"), seconds: 1, width: 320, height: 240)
        let ok = try await runToolOffPool(BuildProducts.executable("checkpoint").path, ["probe", clip.path, "--seconds", "2", "--json"])
        #expect(ok.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(ok.output.utf8)) as? [String: Any])
        #expect(json["frames_decoded"] as? Int == 25)
        #expect(json["width"] as? Int == 320 && json["height"] as? Int == 240)
        #expect(json["codec"] as? String == "h264")
        #expect((json["errors"] as? [String])?.isEmpty == true)
        #expect(json["fps"] is Double || json["fps"] is Int)

        try Data(repeating: 7, count: 4000).write(to: dir.file("junk.mp4"))
        let bad = try await runToolOffPool(BuildProducts.executable("checkpoint").path, ["probe", dir.file("junk.mp4").path, "--json"])
        #expect(bad.status == 1)
        #expect(bad.output.contains("not a valid stream"))

        let masked = try await runToolOffPool(BuildProducts.executable("checkpoint").path,
                                 ["probe", "rtsp://admin:hunter2@127.0.0.1:\(try freePort())/x", "--json", "--timeout", "2"])
        #expect(masked.status == 1)
        #expect(!masked.output.contains("hunter2"))
        #expect(masked.output.contains("admin:***@"))
    }

    @Test func demoClipScriptMakesAPlayableClipAndItsPlateTimetable() async throws {
        let dir = try TemporaryDirectory()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/make-demo-clip.sh")
        let out = dir.file("demo.mp4")
        let made = try await runToolOffPool("/bin/bash", [script.path, "--size", "640x360", "--fps", "10",
                                             "--plates", "京A12345,粤BD12345", out.path])
        #expect(made.status == 0)
        let timetable = try String(contentsOf: dir.file("demo.plates.tsv"), encoding: .utf8)
        let rows = timetable.split(separator: "\n").dropFirst().map { $0.split(separator: "\t").map(String.init) }
        #expect(rows.map { $0[2] } == ["京A12345", "粤BD12345"])
        #expect(rows.map { $0[3] } == ["blue", "green"])
        let probe = try await runToolOffPool(BuildProducts.executable("checkpoint").path, ["probe", out.path, "--seconds", "5", "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(probe.output.utf8)) as? [String: Any])
        #expect(json["width"] as? Int == 640 && json["height"] as? Int == 360)
        #expect(json["frames_decoded"] as? Int == 120, "12 s at 10 fps")
    }
}
