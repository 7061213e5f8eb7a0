import Capture
import Logging
import Store

/// Stores camera alerts as alert records (the alerts issue routes them onward).
struct CameraAlertRecorder: CameraEventSink {
    let store: Store
    let logger: Logger

    func handle(_ event: CameraEvent) async {
        do {
            switch event {
            case .raised(let alert):
                _ = try await store.raiseCameraAlert(NewAlert(
                    kind: alert.kind.rawValue, severity: .warning, raisedAt: alert.at, checkpoint: alert.checkpoint,
                    lane: alert.lane, cameraID: alert.cameraID, message: alert.detail))
            case .cleared(let alert):
                try await store.clearCameraAlert(cameraID: alert.cameraID, kind: alert.kind.rawValue, at: alert.at)
            }
        } catch {
            logger.error("cannot store a camera alert", metadata: ["reason": "\(error)"])
        }
    }
}
