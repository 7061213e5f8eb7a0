import Foundation
import Testing
import TestSupport

/// The outbox across a crash: a case is written while the webhook receiver is down, the daemon is killed
/// with SIGKILL before it could deliver, and after a restart the receiver gets the case exactly once.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct OutboxDaemonTests {
    @Test func aCaseWrittenBeforeASIGKILLIsDeliveredOnceAfterTheRestart() async throws {
        let receiver = Receiver()
        let receiverPort = try freePort()
        let fixture = try ConfigFixture(port: try freePort(), extra: """
            cases:
              targets:
                - name: ops
                  kind: webhook
                  url: http://127.0.0.1:\(receiverPort)/hook
                  secret_file: ops.secret
                  timeout_seconds: 15
            """)
        // (A generous timeout: an answer slower than it is sent again, correctly, with the same idempotency key, and on a
        // loaded 2-core CI machine a 2-second timeout once did so: two requests, one accepted. This test is about the crash.)
        _ = try fixture.directory.write(String(decoding: receiver.secret, as: UTF8.self), to: "ops.secret")
        let daemon = try DaemonProcess(fixture: fixture)
        #expect(await daemon.waitUntilHealthy(), "\(daemon.log)")
        let admin = try String(contentsOf: fixture.bootstrapTokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let port = fixture.port
        _ = try await HTTP.send(port: port, .post, "/api/v1/watchlists/entries", token: admin, json: """
            {"kind":"plate","value":"粤BD27584","reason":"reported stolen","severity":"critical"}
            """)
        let at = ISO8601DateFormatter().string(from: Date())
        let event = try await HTTP.send(port: port, .post, "/api/v1/events", token: admin, json: """
            {"event_id":"r-1","device_id":"lpr-1","checkpoint":"main-gate","lane":"1","at":"\(at)","kind":"plate_read",\
            "plate":"粤BD27584","confidence":0.97}
            """)
        #expect(event.status == .created)
        // The case and its delivery are in the database; the receiver is down, so it is not delivered.
        var pending = false
        _ = await DaemonProcess.eventually {
            let outbox = try? await HTTP.get(port: port, "/api/v1/outbox", token: admin)
            pending = (outbox?.json["deliveries"] as? [[String: Any]])?.first?["state"] as? String == "pending"
            return pending
        }
        #expect(pending)
        daemon.signal(SIGKILL)
        _ = await daemon.waitForExit()

        let restarted = try DaemonProcess(fixture: fixture)
        #expect(await restarted.waitUntilHealthy(), "\(restarted.log)")
        try await receiver.run(port: receiverPort) { _ in
            let delivered = await DaemonProcess.eventually(timeout: .seconds(30)) { receiver.accepted.count == 1 }
            #expect(delivered, "\(restarted.log)")
            // And nothing more arrives.
            try await Task.sleep(for: .seconds(1))
            #expect(receiver.accepted.count == 1 && receiver.requests.count == 1, "\(restarted.log)")
        }
        let outbox = try await HTTP.get(port: port, "/api/v1/outbox", token: admin)
        #expect((outbox.json["deliveries"] as? [[String: Any]])?.first?["state"] as? String == "delivered")
        restarted.signal(SIGTERM)
        #expect(await restarted.waitForExit() == 0)
    }
}
