import Access
import Cards
import Foundation
import Hummingbird
import NIOCore
import Registry
import Store

/// `POST /api/v1/events`: what gate devices report (card scans, plates read by LPR cameras, barrier and
/// loop signals, manual openings), each once per (device, event id); and `POST /api/v1/events/isapi`, the
/// same for Hikvision cameras that push ANPR alerts in their own XML.
struct EventRoutes {
    let dependencies: ServerDependencies
    static let roles: Set<Role> = [.device, .admin]

    func register(on api: RouterGroup<APIRequestContext>) {
        api.post("events") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "report gate events")
            let body = try await JSON.decode(GateEventBody.self, from: request, limit: dependencies.maxBodyBytes)
            let input = try GateEventInput(body)
            return try await record(input, by: principal, requestID: context.id)
        }
        api.post("events/isapi") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "report gate events")
            let params = request.uri.queryParameters
            guard let checkpoint = params["checkpoint"].map(String.init), let lane = params["lane"].map(String.init) else {
                throw APIError.invalid("set the camera's notification URL to …/events/isapi?checkpoint=NAME&lane=NAME")
            }
            let buffer: ByteBuffer
            do { buffer = try await request.body.collect(upTo: dependencies.maxBodyBytes) } catch {
                throw APIError.tooLarge(limit: dependencies.maxBodyBytes)
            }
            let alert = try ISAPIAlert.parse(body: Data(buffer.readableBytesView), contentType: request.headers[.contentType])
            guard let input = try alert.gateEvent(checkpoint: checkpoint, lane: lane) else {
                // Heartbeats and other event types: acknowledged so the camera does not resend them.
                return JSON.response(["ignored": alert.eventType ?? "unknown"])
            }
            return try await record(input, by: principal, requestID: context.id)
        }
    }

    /// Scans (for a card), stores the picture and the event, and answers: 201 the first time, 200 for a resend.
    private func record(_ input: GateEventInput, by principal: Principal, requestID: String) async throws -> Response {
        var event = input.event
        var scan: RegistryJSON.ScanResult?
        if input.kind == .cardScan, let token = input.scanToken, let direction = input.direction {
            let outcome = try await CardRoutes.run {
                try await dependencies.cards.scan(ScanRequest(
                    checkpoint: event.checkpoint, lane: event.lane, direction: direction, token: token,
                    eventID: "\(event.deviceID)/\(event.eventID)"), by: principal)
            }
            event.detail["verdict"] = outcome.entry.verdict.rawValue
            event.detail["reason"] = outcome.entry.reason.code.rawValue
            event.detail["reason_message"] = outcome.entry.reason.message
            if let card = outcome.card {
                event.detail["card_id"] = card.id
                event.detail["holder_id"] = card.holderID
            }
            event.detail["direction"] = direction.rawValue
            scan = RegistryJSON.ScanResult(outcome)
        }
        if let image = input.image {
            let saved = try dependencies.store.snapshots.save(image)
            event.snapshotPath = saved.path
            event.snapshotSHA256 = saved.sha256
        }
        let stored: (event: GateEventRecord, duplicate: Bool)
        do {
            stored = try await dependencies.store.recordGateEvent(event, by: principal, requestID: requestID)
        } catch StoreError.conflict(let message) {
            throw APIError.conflict(message)
        }
        if !stored.duplicate, input.kind == .plateRead, let sightings = dependencies.sightings {
            // The event is safely stored; a failed decision is logged by the sink, not lost with the request.
            try? await sightings.plateRead(stored.event)
        }
        return JSON.response(Accepted(id: stored.event.id, eventId: stored.event.eventID, kind: stored.event.kind,
                                      duplicate: stored.duplicate, scan: scan),
                             status: stored.duplicate ? .ok : .created)
    }

    struct Accepted: Encodable {
        let id: Int64
        let eventId: String
        let kind: String
        let duplicate: Bool
        let scan: RegistryJSON.ScanResult?
    }
}
