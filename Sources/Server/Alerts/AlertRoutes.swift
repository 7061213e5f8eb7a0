import Access
import Alerting
import Foundation
import HTTPTypes
import Hummingbird
import Store

/// What the security centre acts on: `GET /api/v1/alerts` lists alert records (watchlist hits, passage flags,
/// camera conditions), newest first and paged; `GET /api/v1/alerts/stream` follows the alert log live (raised,
/// repeated, escalated, acknowledged, case opened, cleared — server-sent events, resumable by `Last-Event-ID`);
/// `POST /api/v1/alerts/{id}/ack` and `/case` acknowledge and open a case. Security and admins; audited.
struct AlertRoutes {
    let dependencies: ServerDependencies
    static let roles: Set<Role> = [.security, .admin]

    func register(on api: RouterGroup<APIRequestContext>) {
        let store = dependencies.store
        api.get("alerts") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "read alerts")
            var query = try Self.filter(request)
            let window = try ListWindow(request, what: "an alert id")
            (query.since, query.until, query.beforeID, query.limit) = (window.since, window.until, window.before, window.limit)
            // Read first, so a client that lists and then follows from `last_event_id` misses nothing.
            let lastEvent = try await store.latestAlertEventID()
            let alerts = try await store.alerts(query, by: principal, requestID: context.id)
            let next = alerts.count == query.limit ? alerts.last?.id : nil
            return JSON.response(Page(alerts: alerts.map(Item.init), nextBefore: next, lastEventId: lastEvent))
        }
        api.get("alerts/stream") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "follow alerts")
            let filter = try Self.filter(request)
            let start = try await EventStream.start(request) { try await store.latestAlertEventID() }
            try await store.audit(AuditEntry(actor: principal, action: "alert.stream", detail: ["after": String(start)],
                                             requestID: context.id))
            let batch = 100
            let encoder = JSON.encoder()
            return EventStream(wakes: store.changes.subscribe(.alert), after: start, heartbeat: EntryRoutes.heartbeat, fetch: { after in
                try await store.alertEvents(after: after, filter: filter, limit: batch).map { event in
                    let data = (try? encoder.encode(LogItem(event))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                    return EventStream.Event(id: event.id, name: "alert", data: data)
                }
            }, batch: batch).response()
        }
        api.post("alerts/:id/ack") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "acknowledge alerts")
            let id = try Self.id(context)
            let body = try await JSON.decode(Note.self, from: request, limit: dependencies.maxBodyBytes)
            let note = try Self.note(body.note, required: false)
            let alert = try await Self.run { try await store.acknowledgeAlert(id, by: principal, note: note, requestID: context.id) }
            return JSON.response(Item(alert))
        }
        api.post("alerts/:id/case") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "open cases")
            let id = try Self.id(context)
            let body = try await JSON.decode(Note.self, from: request, limit: dependencies.maxBodyBytes)
            let note = try Self.note(body.note, required: false)
            let record = try await Self.run {
                try await store.openCase(forAlert: id, by: principal, note: note.isEmpty ? "opened from the security page" : note,
                                         requestID: context.id)
            }
            return JSON.response(CaseRoutes.Item(record), status: .created)
        }
    }

    struct Note: Decodable { let note: String? }

    static func id(_ context: APIRequestContext) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("id")), id > 0 else { throw APIError.notFound("no such alert") }
        return id
    }

    static func note(_ text: String?, required: Bool) throws -> String {
        let note = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if required && note.isEmpty { throw APIError.invalid("'note' is required: say what was done and why") }
        guard note.count <= 1000 else { throw APIError.invalid("'note' must be at most 1000 characters") }
        return note
    }

    /// Store errors of alert and case changes as API errors.
    static func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            switch error {
            case .notFound(let what): throw APIError.notFound("no \(what)")
            case .conflict(let what): throw APIError(.conflict, code: "conflict", message: what)
            default: throw error
            }
        } catch let error as CaseError {
            switch error {
            case .notFound(let id): throw APIError.notFound("no case \(id)")
            case .notAllowed(let from, let to):
                throw APIError(.conflict, code: "transition_not_allowed",
                               message: "a \(from.rawValue) case cannot go to \(to.rawValue); it can go to: "
                                   + (from.next.isEmpty ? "nothing (it is final)" : from.next.map(\.rawValue).joined(separator: ", ")))
            }
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
        /// Follow `/alerts/stream?after=` this to get every change since the list was read.
        let lastEventId: Int64
    }

    /// One entry of the live log: what happened, and the alert as it is now.
    struct LogItem: Encodable {
        let event: String
        let at: Date
        let by: String?
        let note: String?
        /// Sound it (a new alert outside quiet hours, an escalation).
        let announce: Bool
        let alert: Item

        init(_ event: Store.AlertEvent) {
            self.event = event.kind
            at = event.at
            by = event.actor
            note = event.note
            announce = event.announce
            alert = Item(event.alert)
        }
    }

    struct Item: Encodable {
        let id: Int64
        let kind, severity, message, action: String
        let raisedAt, lastRaisedAt: Date
        let clearedAt: Date?
        let announced: Bool
        let repeats, escalations: Int
        let acknowledgedAt: Date?
        let acknowledgedBy, acknowledgementNote: String?
        let caseId: Int64?
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
            action = alert.action.rawValue
            lastRaisedAt = alert.lastRaisedAt
            announced = alert.announced
            repeats = alert.repeats
            escalations = alert.escalations
            acknowledgedAt = alert.acknowledgedAt
            acknowledgedBy = alert.acknowledgedBy
            acknowledgementNote = alert.acknowledgementNote
            caseId = alert.caseID
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
