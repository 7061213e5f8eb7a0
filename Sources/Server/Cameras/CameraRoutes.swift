import Capture
import Foundation
import HTTPTypes
import Hummingbird
import Imaging
import NIOCore
import Store

/// `GET /api/v1/cameras`, `/cameras/{id}` and `/cameras/{id}/snapshot.jpg`:
/// camera health for security centres and admins, and the latest picture.
struct CameraRoutes {
    let dependencies: ServerDependencies

    func register(on api: RouterGroup<APIRequestContext>) {
        api.get("cameras") { _, context -> Response in
            _ = try await dependencies.authorize(context, [.security, .admin], action: "see cameras")
            let cameras = dependencies.cameras?.statuses() ?? []
            return JSON.response(List(cameras: cameras.map(Item.init)))
        }
        api.get("cameras/:id") { _, context -> Response in
            _ = try await dependencies.authorize(context, [.security, .admin], action: "see cameras")
            let id = try context.parameters.require("id")
            guard let status = dependencies.cameras?.status(id: id) else { throw APIError.notFound("no camera '\(id)'") }
            return JSON.response(Item(status))
        }
        api.get("cameras/:id/snapshot.jpg") { _, context -> Response in
            let principal = try await dependencies.authorize(context, [.security, .admin], action: "see camera pictures")
            let id = try context.parameters.require("id")
            guard let cameras = dependencies.cameras, cameras.status(id: id) != nil else {
                throw APIError.notFound("no camera '\(id)'")
            }
            guard let frame = cameras.latestFrame(id: id) else {
                throw APIError(.serviceUnavailable, code: "no_frame",
                               message: "camera '\(id)' has not delivered a frame yet; see GET /api/v1/cameras/\(id)")
            }
            let quality = dependencies.snapshotQuality
            let jpeg = try await Task.detached { try JPEGEncoder(quality: quality).encode(frame.image) }.value
            // Looking at a camera picture can show people: audited like any other look-up.
            try? await dependencies.store.audit(AuditEntry(
                actor: principal, action: "camera.snapshot", target: id, requestID: context.id))
            return Response(
                status: .ok,
                headers: [.contentType: "image/jpeg", .cacheControl: "no-store",
                          Self.capturedAt: Timestamp.format(frame.capturedAt)],
                body: .init(byteBuffer: ByteBuffer(bytes: jpeg)))
        }
    }

    /// When the picture was decoded, so a wall display can tell a stale one.
    static let capturedAt = HTTPField.Name("X-Captured-At")!

    struct List: Encodable { let cameras: [Item] }

    struct Item: Encodable {
        let id, name, checkpoint, lane, direction, source, state: String
        let stateSince: Date
        let codec: String?
        let width, height: Int?
        let fpsIn, fpsAnalysed: Double
        let framesDecoded, framesAnalysed, drops, connections, reconnects: Int
        let lastFrameAt: Date?
        let lastError: String?
        let alerts: [String]
        let skippingFrames: Bool

        init(_ s: CameraStatus) {
            id = s.id; name = s.name; checkpoint = s.checkpoint; lane = s.lane; direction = s.direction
            source = s.source; state = s.state.rawValue; stateSince = s.stateSince
            codec = s.codec; width = s.width; height = s.height
            fpsIn = (s.fpsIn * 10).rounded() / 10; fpsAnalysed = (s.fpsAnalysed * 10).rounded() / 10
            framesDecoded = s.framesDecoded; framesAnalysed = s.framesAnalysed; drops = s.drops
            connections = s.connections; reconnects = s.reconnects; lastFrameAt = s.lastFrameAt
            lastError = s.lastError; alerts = s.alerts; skippingFrames = s.skippingFrames
        }
    }
}
