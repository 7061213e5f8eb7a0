@testable import Capture
@testable import Daemon
import Foundation
import Testing

/// What /healthz says about the cameras: cameras that are down degrade it (not fail it: systemd would restart the
/// daemon), by name; a camera connecting for the first time is not down yet.
struct DaemonHealthTests {
    func status(_ id: String, _ state: CameraState) -> CameraStatus {
        CameraStatus(id: id, name: id, checkpoint: "main-gate", lane: "1", direction: "in", source: "rtsp://127.0.0.1/x",
                     state: state, stateSince: Date(), codec: nil, width: nil, height: nil, fpsIn: 0, fpsAnalysed: 0,
                     framesDecoded: 0, framesAnalysed: 0, drops: 0, connections: 0, reconnects: 0, lastFrameAt: nil,
                     lastError: nil, alerts: [], skippingFrames: false)
    }

    @Test func camerasThatAreDownDegradeHealthByName() {
        let down = DaemonHealth.cameras([status("gate", .streaming), status("dead", .offline), status("side", .stalled)])
        #expect(down.status == .degraded)
        #expect(down.detail == "1 of 3 cameras streaming; dead offline, side stalled")
        let starting = DaemonHealth.cameras([status("gate", .streaming), status("new", .connecting)])
        #expect(starting.status == .ok)
        #expect(starting.detail == "1 of 2 cameras streaming")
        let failed = DaemonHealth.cameras([status("gate", .failed), status("off", .disabled)])
        #expect(failed.status == .degraded && failed.detail == "0 of 1 cameras streaming; gate failed")
    }
}
