import Access
import Alerting
import Foundation
import Hummingbird
import Store

/// Cases and their deliveries: `GET /api/v1/cases`, `GET /api/v1/cases/{id}` (with every transition),
/// `POST /api/v1/cases/{id}/transitions` (`{to, note}`, by the signed-in person), `GET /api/v1/stats/cases`
/// (open, time to acknowledge, time to close, closure rate per checkpoint), `GET /api/v1/outbox` and
/// `POST /api/v1/outbox/{id}/retry` (admin). Security and admins; look-ups and changes are audited.
struct CaseRoutes {
    let dependencies: ServerDependencies
    static let roles: Set<Role> = [.security, .admin]

    func register(on api: RouterGroup<APIRequestContext>) {
        let store = dependencies.store
        api.get("cases") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "read cases")
            let params = request.uri.queryParameters
            var query = CaseQuery()
            if let state = params["state"] {
                guard let value = CaseState(rawValue: String(state)) else {
                    throw APIError.invalid("'state' must be one of: \(CaseState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                query.state = value
            }
            query.checkpoint = params["checkpoint"].map(String.init)
            let window = try ListWindow(request, what: "a case id")
            (query.since, query.until, query.beforeID, query.limit) = (window.since, window.until, window.before, window.limit)
            let cases = try await store.cases(query, by: principal, requestID: context.id)
            return JSON.response(Page(cases: cases.map(Item.init), nextBefore: cases.count == query.limit ? cases.last?.id : nil))
        }
        api.get("cases/:id") { _, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "read cases")
            guard let id = Int64(try context.parameters.require("id")),
                  let record = try await store.caseRecord(id, by: principal, requestID: context.id) else {
                throw APIError.notFound("no such case")
            }
            return JSON.response(Item(record))
        }
        api.post("cases/:id/transitions") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "change cases")
            guard let id = Int64(try context.parameters.require("id")) else { throw APIError.notFound("no such case") }
            let body = try await JSON.decode(Move.self, from: request, limit: dependencies.maxBodyBytes)
            guard let target = CaseState(rawValue: body.to) else {
                throw APIError.invalid("'to' must be one of: \(CaseState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let note = try AlertRoutes.note(body.note, required: true)
            let record = try await AlertRoutes.run {
                try await store.transitionCase(id, to: target, by: principal, note: note, requestID: context.id)
            }
            return JSON.response(Item(record), status: .created)
        }
        api.get("stats/cases") { request, context -> Response in
            _ = try await dependencies.authorize(context, Self.roles, action: "read case figures")
            let params = request.uri.queryParameters
            let until = try params["until"].map { try AuditRoutes.time($0, "until") } ?? Date()
            let since = try params["since"].map { try AuditRoutes.time($0, "since") } ?? until.addingTimeInterval(-7 * 86_400)
            guard since < until else { throw APIError.invalid("'since' must be before 'until'") }
            let figures = try await store.caseFigures(since: since, until: until, checkpoint: params["checkpoint"].map(String.init))
            return JSON.response(Stats(since: since, until: until, total: Figures(figures[0]),
                                       checkpoints: figures.dropFirst().map(Figures.init)))
        }
        api.get("outbox") { request, context -> Response in
            _ = try await dependencies.authorize(context, Self.roles, action: "read deliveries")
            let params = request.uri.queryParameters
            var state: OutboxItem.State?
            if let text = params["state"] {
                guard let value = OutboxItem.State(rawValue: String(text)) else {
                    throw APIError.invalid("'state' must be one of: pending, delivered, failed")
                }
                state = value
            }
            let window = try ListWindow(request, what: "a delivery id")
            let items = try await store.outbox(state: state, before: window.before, limit: window.limit)
            return JSON.response(["deliveries": items.map(Delivery.init)])
        }
        api.post("outbox/:id/retry") { _, context -> Response in
            let principal = try await dependencies.authorize(context, [.admin], action: "retry deliveries")
            guard let id = Int64(try context.parameters.require("id")) else { throw APIError.notFound("no such delivery") }
            let item = try await AlertRoutes.run { try await store.retryDelivery(id, by: principal, requestID: context.id) }
            return JSON.response(Delivery(item))
        }
    }


    struct Move: Decodable { let to: String; let note: String? }

    struct Page: Encodable {
        let cases: [Item]
        let nextBefore: Int64?
    }

    struct Item: Encodable {
        struct Transition: Encodable {
            let from: String?
            let to: String
            let at: Date
            let by, note: String
        }
        let id, alertId: Int64
        let checkpoint: String?
        let kind, severity, summary, state, openedBy: String
        let openedAt, updatedAt: Date
        let acknowledgedAt, closedAt: Date?
        let externalRef, externalStatus: String?
        let next: [String]
        let transitions: [Transition]

        init(_ record: CaseRecord) {
            id = record.id
            alertId = record.alertID
            checkpoint = record.checkpoint
            kind = record.kind
            severity = record.severity.rawValue
            summary = record.summary
            state = record.state.rawValue
            openedBy = record.openedBy
            openedAt = record.openedAt
            updatedAt = record.updatedAt
            acknowledgedAt = record.acknowledgedAt
            closedAt = record.closedAt
            externalRef = record.externalRef
            externalStatus = record.externalStatus
            next = record.state.next.map(\.rawValue)
            transitions = record.transitions.map { Transition(from: $0.from?.rawValue, to: $0.to.rawValue, at: $0.at, by: $0.actor, note: $0.note) }
        }
    }

    struct Stats: Encodable {
        let since, until: Date
        let total: Figures
        let checkpoints: [Figures]
    }

    struct Figures: Encodable {
        let checkpoint: String?
        let opened, open, closed: Int
        let closureRate: Double
        let medianSecondsToAcknowledge, medianSecondsToClose: Double?

        init(_ figures: CaseFigures) {
            checkpoint = figures.checkpoint
            opened = figures.opened
            open = figures.open
            closed = figures.closed
            closureRate = (figures.closureRate * 1000).rounded() / 1000
            medianSecondsToAcknowledge = figures.medianSecondsToAcknowledge.map { $0.rounded() }
            medianSecondsToClose = figures.medianSecondsToClose.map { $0.rounded() }
        }
    }

    struct Delivery: Encodable {
        let id, caseId: Int64
        let target, targetKind, event, state, idempotencyKey: String
        let attempts: Int
        let nextAttemptAt, createdAt: Date
        let deliveredAt: Date?
        let lastStatus: Int?
        let lastError: String?

        init(_ item: OutboxItem) {
            id = item.id
            caseId = item.caseID
            target = item.target
            targetKind = item.targetKind.rawValue
            event = item.event
            state = item.state.rawValue
            idempotencyKey = item.idempotencyKey
            attempts = item.attempts
            nextAttemptAt = item.nextAttemptAt
            createdAt = item.createdAt
            deliveredAt = item.deliveredAt
            lastStatus = item.lastStatus
            lastError = item.lastError
        }
    }
}
