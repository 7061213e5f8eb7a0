import Access
import Checkpoint
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Plates
import Store

/// `GET /api/v1/passages`: the checkpoint's explained records, one per vehicle, filtered by time, checkpoint,
/// lane, plate and verdict, newest first and paged; `GET /api/v1/passages/{id}/snapshot.jpg`: the evidence.
/// Staff, security and admins; look-ups audited (plates are personal data).
struct PassageRoutes {
    let dependencies: ServerDependencies
    static let roles: Set<Role> = [.staff, .security, .admin]

    func register(on api: RouterGroup<APIRequestContext>) {
        let store = dependencies.store
        api.get("passages") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "read passages")
            let params = request.uri.queryParameters
            var query = PassageQuery()
            query.since = try params["since"].map { try AuditRoutes.time($0, "since") }
            query.until = try params["until"].map { try AuditRoutes.time($0, "until") }
            query.checkpoint = params["checkpoint"].map(String.init)
            query.lane = params["lane"].map(String.init)
            query.plate = params["plate"].map { PlateText.canonical(String($0)) }
            if let verdict = params["verdict"] {
                guard let value = EntryVerdict(rawValue: String(verdict)) else {
                    throw APIError.invalid("'verdict' must be one of: \(EntryVerdict.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                query.verdict = value
            }
            if let before = params["before"] {
                guard let id = Int64(before), id > 0 else { throw APIError.invalid("'before' must be a passage id") }
                query.beforeID = id
            }
            if let limit = params["limit"] {
                guard let value = Int(limit), (1...500).contains(value) else {
                    throw APIError.invalid("'limit' must be a whole number from 1 to 500")
                }
                query.limit = value
            }
            let passages = try await store.passages(query, by: principal, requestID: context.id)
            let next = passages.count == query.limit ? passages.last?.id : nil
            return JSON.response(Page(passages: passages.map(Item.init), nextBefore: next))
        }
        api.get("passages/:id/snapshot.jpg") { _, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "see passage pictures")
            guard let id = Int64(try context.parameters.require("id")) else { throw APIError.notFound("no such passage") }
            guard let passage = try await store.passage(id: id, by: principal, requestID: context.id) else {
                throw APIError.notFound("no passage \(id)")
            }
            guard let path = passage.snapshotPath, let jpeg = store.snapshots.load(path) else {
                throw APIError.notFound("passage \(id) has no picture (none was taken, or retention removed it)")
            }
            var headers = HTTPFields()
            headers[.contentType] = "image/jpeg"
            headers[.cacheControl] = "private, max-age=3600"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: jpeg)))
        }
    }

    struct Page: Encodable {
        let passages: [Item]
        /// Pass as `before` for the next (older) page; absent on the last page.
        let nextBefore: Int64?
    }

    struct Item: Encodable {
        struct Reason: Encodable { let code, message, severity: String; let alert: Bool }
        let id: Int64
        let checkpoint, lane: String
        let direction: String?
        let at, recordedAt: Date
        let plate: String?
        let plateConfidence: Double?
        let plateSource: String?
        let plateAlternatives: [String]
        let snapshot: String?
        let cardId, holderId, registeredAs: String?
        let verdict: String
        let reasons: [Reason]

        init(_ passage: StoredPassage) {
            id = passage.id
            checkpoint = passage.checkpoint
            lane = passage.lane
            direction = passage.direction
            at = passage.at
            recordedAt = passage.recordedAt
            plate = passage.plate
            plateConfidence = passage.plateConfidence
            plateSource = passage.plateSource
            plateAlternatives = passage.plateAlternatives
            snapshot = passage.snapshotPath == nil ? nil : "/api/v1/passages/\(passage.id)/snapshot.jpg"
            cardId = passage.cardID
            holderId = passage.holderID
            registeredAs = passage.registeredAs
            verdict = passage.verdict.rawValue
            reasons = passage.reasons.map { Reason(code: $0.code, message: $0.message, severity: $0.severity, alert: $0.alert) }
        }
    }
}
