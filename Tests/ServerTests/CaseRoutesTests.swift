import Access
import Alerting
import Foundation
import HummingbirdTesting
import Store
import Testing
import TestSupport
@testable import Server

/// Acknowledging, cases, their transitions, figures and deliveries over the API, with roles and clear errors.
struct CaseRoutesTests {
    @Test func anAlertIsAcknowledgedItsCaseMovedAndTheFiguresFollow() async throws {
        let harness = try await APIHarness.make()
        harness.store.configureAlerting(AlertingSetup(targets: [.init(name: "ops", kind: .webhook)], community: "test"))
        try await AlertRoutesTests.watchlistHit(harness.store, plate: "粤BD27584", key: "c/1")
        try await harness.run { client in
            let security = harness.tokens[.security]
            let ack = try await client.call(.post, "/api/v1/alerts/1/ack", token: security, body: #"{"note":"seen on camera"}"#)
            #expect(ack.status == .ok && ack.json["acknowledged_by"] as? String == "security-token")
            #expect(try await client.call(.post, "/api/v1/alerts/99/ack", token: security, body: "{}").status == .notFound)
            #expect(try await client.call(.post, "/api/v1/alerts/1/ack", token: harness.tokens[.staff], body: "{}").status == .forbidden)

            let kase = try await client.call(.get, "/api/v1/cases/1", token: security)
            #expect(kase.json["state"] as? String == "acknowledged")
            #expect(kase.json["next"] as? [String] == ["dispatched", "resolved", "rejected"])
            #expect((kase.json["transitions"] as? [[String: Any]])?.map { $0["to"] as? String } == ["new", "acknowledged"])

            let noNote = try await client.call(.post, "/api/v1/cases/1/transitions", token: security, body: #"{"to":"dispatched"}"#)
            #expect(noNote.status == .unprocessableContent)
            let skip = try await client.call(.post, "/api/v1/cases/1/transitions", token: security, body: #"{"to":"closed","note":"x"}"#)
            #expect(skip.status == .conflict && skip.errorCode == "transition_not_allowed")
            #expect(skip.text.contains("dispatched, resolved, rejected"))
            for (state, note) in [("dispatched", "patrol 2"), ("resolved", "vehicle turned away"), ("closed", "done")] {
                let moved = try await client.call(.post, "/api/v1/cases/1/transitions", token: security,
                                                  body: #"{"to":"\#(state)","note":"\#(note)"}"#)
                #expect(moved.status == .created && moved.json["state"] as? String == state)
            }
            let list = try await client.call(.get, "/api/v1/cases?state=closed", token: security)
            #expect((list.json["cases"] as? [[String: Any]])?.count == 1)
            let stats = try await client.call(.get, "/api/v1/stats/cases", token: security)
            let total = try #require(stats.json["total"] as? [String: Any])
            #expect(total["opened"] as? Int == 1 && total["closed"] as? Int == 1 && total["closure_rate"] as? Double == 1)
            #expect((stats.json["checkpoints"] as? [[String: Any]])?.first?["checkpoint"] as? String == "north")

            // One webhook delivery per change: opened, acknowledged, dispatched, resolved, closed.
            let outbox = try await client.call(.get, "/api/v1/outbox", token: security)
            #expect((outbox.json["deliveries"] as? [[String: Any]])?.count == 5)
            #expect(try await client.call(.post, "/api/v1/outbox/1/retry", token: security).status == .forbidden)
            #expect(try await client.call(.post, "/api/v1/outbox/1/retry", token: harness.tokens[.admin]).status == .conflict)

            // A flag without a case gets one by hand.
            _ = try await harness.store.raiseCameraAlert(NewAlert(kind: "camera_offline", severity: .warning, raisedAt: Date(),
                                                                  cameraID: "cam-9", message: "offline"))
            let opened = try await client.call(.post, "/api/v1/alerts/2/case", token: security, body: #"{"note":"check the cable"}"#)
            #expect(opened.status == .created && opened.json["alert_id"] as? Int == 2 && opened.json["state"] as? String == "new")
        }
        #expect(try await harness.store.auditEntries(.init(action: "case.transition")).count == 3)
    }
}
