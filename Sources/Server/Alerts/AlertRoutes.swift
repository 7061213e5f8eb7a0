import Access
import Foundation
import HTTPTypes
import Hummingbird
import Store

/// What the security centre acts on: `GET /api/v1/alerts` lists alert records (watchlist hits, passage flags,
/// camera conditions), newest first and paged; `GET /api/v1/alerts/stream` follows them live (server-sent
/// events, resumable by `Last-Event-ID`). Security and admins; look-ups and streams opened are audited.
struct AlertRoutes {
    let dependencies: ServerDependencies
    static let roles: Set<Role> = [.security, .admin]

    func register(on api: RouterGroup<APIRequestContext>) {
        let store = dependencies.store
        api.get("alerts") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "read alerts")
            var query = try Self.filter(request)
            let params = request.uri.queryParameters
            query.since = try params["since"].map { try AuditRoutes.time($0, "since") }
            query.until = try params["until"].map { try AuditRoutes.time($0, "until") }
            if let before = params["before"] {
                guard let id = Int64(before), id > 0 else { throw APIError.invalid("'before' must be an alert id") }
                query.beforeID = id
            }
            if let limit = params["limit"] {
                guard let value = Int(limit), (1...500).contains(value) else {
                    throw APIError.invalid("'limit' must be a whole number from 1 to 500")
                }
                query.limit = value
            }
            let alerts = try await store.alerts(query, by: principal, requestID: context.id)
            let next = alerts.count == query.limit ? alerts.last?.id : nil
            return JSON.response(Page(alerts: alerts.map(Item.init), nextBefore: next))
        }
        api.get("alerts/stream") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "follow alerts")
            let filter = try Self.filter(request)
            let start = try await EventStream.start(request) {
                try await store.alerts(AlertQuery(limit: 1), by: nil).first?.id ?? 0
            }
            try await store.audit(AuditEntry(actor: principal, action: "alert.stream", detail: ["after": String(start)],
                                             requestID: context.id))
            let batch = 100
            let encoder = JSON.encoder()
            return EventStream(wakes: store.changes.subscribe(.alert), after: start, heartbeat: EntryRoutes.heartbeat, fetch: { after in
                var query = filter
                query.afterID = after
                query.limit = batch
                return try await store.alerts(query, by: nil).map { alert in
                    let data = (try? encoder.encode(Item(alert))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                    return EventStream.Event(id: alert.id, name: "alert", data: data)
                }
            }, batch: batch).response()
        }
    }

    /// Filters a list and a stream share: kind, severity, checkpoint, camera, open.
    static func filter(_ request: Request) throws -> AlertQuery {
        let params = request.uri.queryParameters
        var query = AlertQuery()
        query.kind = params["kind"].map(String.init)
        query.checkpoint = params["checkpoint"].map(String.init)
        query.cameraID = params["camera"].map(String.init)
        if let severity = params["severity"] {
            guard let value = AlertRecord.Severity(rawValue: String(severity)) else {
                throw APIError.invalid("'severity' must be one of: \(AlertRecord.Severity.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.severity = value
        }
        if let open = params["open"] {
            guard open == "true" || open == "false" else { throw APIError.invalid("'open' must be true or false") }
            query.openOnly = open == "true"
        }
        return query
    }

    struct Page: Encodable {
        let alerts: [Item]
        /// Pass as `before` for the next (older) page; absent on the last page.
        let nextBefore: Int64?
    }

    struct Item: Encodable {
        let id: Int64
        let kind, severity, message: String
        let raisedAt: Date
        let clearedAt: Date?
        let checkpoint, lane, cameraId: String?
        let entryId: Int64?
        /// The passage's picture, when the alert came from a passage that kept one.
        let snapshot: String?
        let evidence: [String: String]

        init(_ alert: AlertRecord) {
            id = alert.id
            kind = alert.kind
            severity = alert.severity.rawValue
            message = alert.message
            raisedAt = alert.raisedAt
            clearedAt = alert.clearedAt
            checkpoint = alert.checkpoint
            lane = alert.lane
            cameraId = alert.cameraID
            entryId = alert.passageID
            snapshot = alert.passageID != nil && alert.evidence["snapshot"] != nil
                ? "/api/v1/entries/\(alert.passageID!)/snapshot.jpg" : nil
            // The snapshot's file path is internal; the URL above is what a client uses.
            evidence = alert.evidence.filter { $0.key != "snapshot" }
        }
    }
}
