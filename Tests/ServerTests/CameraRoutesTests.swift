import Access
import Capture
import Config
import Foundation
import HummingbirdTesting
import Imaging
import Logging
import Testing
import TestSupport
@testable import Server

/// The camera API over a real supervisor decoding a real clip.
@Suite(.timeLimit(.minutes(1)))
struct CameraRoutesTests {
    static func withCameras(_ body: @escaping @Sendable (APIHarness, CameraSupervisor, any TestClientProtocol) async throws -> Void) async throws {
        let harness = try await APIHarness.make()
        let clip = try Media.clip(harness.directory.file("gate.mp4"), seconds: 1, width: 320, height: 240)
        let supervisor = CameraSupervisor(
            settings: CaptureSettings(environment: [:]), analyser: { _ in NoAnalysis() },
            events: IgnoredEvents(), logger: APIHarness.quietLogger)
        supervisor.apply([
            CameraConfig(id: "gate", name: "Main gate", url: clip, checkpoint: "main-gate", loop: true),
            CameraConfig(id: "dead", url: URL(string: "rtsp://127.0.0.1:\(try freePort())/x")!),
            CameraConfig(id: "spare", url: clip, enabled: false),
        ])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await supervisor.run() }
            defer { supervisor.stopAll() }
            try await harness.run(cameras: supervisor) { client in try await body(harness, supervisor, client) }
            supervisor.stopAll()
            try await group.waitForAll()
        }
    }

    @Test func securityAndAdminSeeCameraHealthOthersDoNot() async throws {
        try await Self.withCameras { harness, supervisor, client in
            _ = await DaemonProcess.eventually { supervisor.status(id: "gate")?.state == .streaming }
            let list = try await client.call(.get, "/api/v1/cameras", token: harness.tokens[.security])
            #expect(list.status == .ok)
            let cameras = try #require(list.json["cameras"] as? [[String: Any]])
            #expect(cameras.map { $0["id"] as? String } == ["dead", "gate", "spare"])
            let gate = try #require(cameras.first { $0["id"] as? String == "gate" })
            #expect(gate["state"] as? String == "streaming")
            #expect(gate["width"] as? Int == 320)
            #expect(gate["checkpoint"] as? String == "main-gate")
            #expect(cameras.first { $0["id"] as? String == "spare" }?["state"] as? String == "disabled")

            let one = try await client.call(.get, "/api/v1/cameras/gate", token: harness.tokens[.admin])
            #expect(one.status == .ok)
            #expect(one.json["codec"] as? String == "h264")

            for role in [Role.staff, .auditor, .device] {
                #expect(try await client.call(.get, "/api/v1/cameras", token: harness.tokens[role]).status == .forbidden)
            }
            #expect(try await client.call(.get, "/api/v1/cameras").status == .unauthorized)
            let missing = try await client.call(.get, "/api/v1/cameras/nope", token: harness.tokens[.security])
            #expect(missing.status == .notFound && missing.hasErrorShape)
        }
    }

    @Test func snapshotIsTheLatestFrameAsJPEGAndTheLookIsAudited() async throws {
        try await Self.withCameras { harness, supervisor, client in
            _ = await DaemonProcess.eventually { supervisor.latestFrame(id: "gate") != nil }
            let response = try await client.call(.get, "/api/v1/cameras/gate/snapshot.jpg", token: harness.tokens[.security])
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "image/jpeg")
            let image = try JPEGDecoder().decode(Array(response.body.readableBytesView))
            #expect(image.width == 320 && image.height == 240)
            let audit = try await harness.store.auditEntries(.init(action: "camera.snapshot"))
            #expect(audit.count == 1 && audit.first?.target == "gate")

            let none = try await client.call(.get, "/api/v1/cameras/dead/snapshot.jpg", token: harness.tokens[.security])
            #expect(none.status == .serviceUnavailable && none.errorCode == "no_frame")
            let staff = try await client.call(.get, "/api/v1/cameras/gate/snapshot.jpg", token: harness.tokens[.staff])
            #expect(staff.status == .forbidden)
        }
    }
}

struct IgnoredEvents: CameraEventSink {
    func handle(_ event: CameraEvent) async {}
}
