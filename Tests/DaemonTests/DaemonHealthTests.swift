@testable import Capture
@testable import Daemon
import Foundation
import Testing

/// What /healthz says about the cameras: down cameras degrade it, by name, and a dead camera stays down while it
/// is being tried again.
struct DaemonHealthTests {
    func status(_ id: String, _ state: CameraState, alerts: [String] = []) -> CameraStatus {
        CameraStatus(id: id, name: id, checkpoint: "main-gate", lane: "1", direction: "in", source: "rtsp://127.0.0.1/x",
                     state: state, stateSince: Date(), codec: nil, width: nil, height: nil, fpsIn: 0, fpsAnalysed: 0,
                     framesDecoded: 0, framesAnalysed: 0, drops: 0, connections: 0, reconnects: 0, lastFrameAt: nil,
                     lastError: nil, alerts: alerts, skippingFrames: false)
    }

    @Test func aDeadCameraTriedAgainIsStillOffline() {
        let retrying = DaemonHealth.cameras([status("gate", .streaming), status("dead", .connecting, alerts: [CameraAlert.Kind.offline.rawValue])])
        #expect(retrying.status == .degraded)
        #expect(retrying.detail == "1 of 2 cameras streaming; dead offline")
        // A camera connecting for the first time (no alert yet) is not down.
        let starting = DaemonHealth.cameras([status("gate", .streaming), status("new", .connecting)])
        #expect(starting.status == .ok)
        #expect(starting.detail == "1 of 2 cameras streaming")
        let failed = DaemonHealth.cameras([status("gate", .failed), status("off", .disabled)])
        #expect(failed.status == .degraded && failed.detail == "0 of 1 cameras streaming; gate failed")
    }
}
