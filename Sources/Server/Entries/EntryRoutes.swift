import Access
import Checkpoint
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Plates
import Store

/// The checkpoint's explained entry records, one per passage (vehicle, plate, card, gate events → verdict and
/// reasons): `GET /api/v1/entries` lists them (time, checkpoint, lane, plate, verdict; newest first, paged),
/// `GET /api/v1/entries/stream` follows them live (server-sent events, resumable by `Last-Event-ID`), and
/// `GET /api/v1/entries/{id}/snapshot.jpg` is the evidence. Staff, security and admins; every look-up and every
/// stream opened is audited (plates are personal data). Card scans alone are `GET /api/v1/scans`.
struct EntryRoutes {
    let dependencies: ServerDependencies
    static let roles: Set<Role> = [.staff, .security, .admin]
    /// How often an idle stream re-reads and sends a keep-alive comment.
    static let heartbeat: Duration = .seconds(15)

    func register(on api: RouterGroup<APIRequestContext>) {
        let store = dependencies.store
        api.get("entries") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "read entry records")
            var query = try Self.filter(request)
            let window = try ListWindow(request, what: "an entry id")
            (query.since, query.until, query.beforeID, query.limit) = (window.since, window.until, window.before, window.limit)
            let passages = try await store.passages(query, by: principal, requestID: context.id)
            let next = passages.count == query.limit ? passages.last?.id : nil
            return JSON.response(Page(entries: passages.map(Item.init), nextBefore: next))
        }
        api.get("entries/stream") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "follow entry records")
            let filter = try Self.filter(request)
            let start = try await EventStream.start(request) {
                try await store.passages(PassageQuery(limit: 1), by: nil).first?.id ?? 0
            }
            var detail = ["after": String(start)]
            if let checkpoint = filter.checkpoint { detail["checkpoint"] = checkpoint }
            if let lane = filter.lane { detail["lane"] = lane }
            if let plate = filter.plate { detail["plate"] = plate }
            if let verdict = filter.verdict { detail["verdict"] = verdict.rawValue }
            try await store.audit(AuditEntry(actor: principal, action: "passage.stream", detail: detail, requestID: context.id))
            let batch = 100
            let encoder = JSON.encoder()
            return EventStream(wakes: store.changes.subscribe(.passage), after: start, heartbeat: Self.heartbeat, fetch: { after in
                var query = filter
                query.afterID = after
                query.limit = batch
                return try await store.passages(query, by: nil).map { passage in
                    let data = (try? encoder.encode(Item(passage))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                    return EventStream.Event(id: passage.id, name: "entry", data: data)
                }
            }, batch: batch).response()
        }
        api.get("entries/:id/snapshot.jpg") { _, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "see entry pictures")
            guard let id = Int64(try context.parameters.require("id")) else { throw APIError.notFound("no such entry") }
            guard let passage = try await store.passage(id: id, by: principal, requestID: context.id) else {
                throw APIError.notFound("no entry \(id)")
            }
            guard let path = passage.snapshotPath, let jpeg = store.snapshots.load(path) else {
                throw APIError.notFound("entry \(id) has no picture (none was taken, or retention removed it)")
            }
            var headers = HTTPFields()
            headers[.contentType] = "image/jpeg"
            headers[.cacheControl] = "private, max-age=3600"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: jpeg)))
        }
    }

    /// The filters a list and a stream share: checkpoint, lane, plate (canonicalised) and verdict.
    static func filter(_ request: Request) throws -> PassageQuery {
        let params = request.uri.queryParameters
        var query = PassageQuery()
        query.checkpoint = params["checkpoint"].map(String.init)
        query.lane = params["lane"].map(String.init)
        query.plate = params["plate"].map { PlateText.canonical(String($0)) }
        if let verdict = params["verdict"] {
            guard let value = EntryVerdict(rawValue: String(verdict)) else {
                throw APIError.invalid("'verdict' must be one of: \(EntryVerdict.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.verdict = value
        }
        return query
    }

    struct Page: Encodable {
        let entries: [Item]
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
        let plateColour: String?
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
            plateColour = passage.plateColour
            snapshot = passage.snapshotPath == nil ? nil : "/api/v1/entries/\(passage.id)/snapshot.jpg"
            cardId = passage.cardID
            holderId = passage.holderID
            registeredAs = passage.registeredAs
            verdict = passage.verdict.rawValue
            reasons = passage.reasons.map { Reason(code: $0.code, message: $0.message, severity: $0.severity, alert: $0.alert) }
        }
    }
}
