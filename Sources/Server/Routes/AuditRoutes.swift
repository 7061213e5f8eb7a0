import Access
import Foundation
import Hummingbird
import Store

/// `GET /api/v1/audit`: the audit log for auditors and admins. Reading it is itself audited.
struct AuditRoutes {
    let dependencies: ServerDependencies

    func register(on api: RouterGroup<APIRequestContext>) {
        api.get("audit") { request, context -> Response in
            let principal = try await dependencies.authorize(context, [.auditor, .admin], action: "read the audit log")
            let params = request.uri.queryParameters
            var query = AuditQuery()
            var filter: [String: String] = [:]
            if let text = params["since"] {
                query.since = try Self.time(text, "since"); filter["since"] = String(text)
            }
            if let text = params["until"] {
                query.until = try Self.time(text, "until"); filter["until"] = String(text)
            }
            if let actor = params["actor"] { query.actorID = String(actor); filter["actor"] = String(actor) }
            if let action = params["action"] { query.action = String(action); filter["action"] = String(action) }
            if let text = params["before"] {
                guard let id = Int64(text), id > 0 else { throw APIError.invalid("'before' must be an audit entry id") }
                query.beforeID = id
            }
            if let text = params["limit"] {
                guard let limit = Int(text), (1...1000).contains(limit) else {
                    throw APIError.invalid("'limit' must be a whole number from 1 to 1000")
                }
                query.limit = limit
            }
            try await dependencies.store.audit(AuditEntry(
                actor: principal, action: "audit.query", detail: filter, requestID: context.id))
            let entries = try await dependencies.store.auditEntries(query)
            let next = entries.count == query.limit ? entries.last?.id : nil
            return JSON.response(Page(entries: entries.map(Item.init), nextBefore: next))
        }
    }

    static func time(_ text: Substring, _ name: String) throws -> Date {
        guard let date = Timestamp.parse(String(text)) else {
            throw APIError.invalid("'\(name)' must be an ISO 8601 time such as 2026-05-01T08:00:00Z")
        }
        return date
    }

    struct Page: Encodable {
        let entries: [Item]
        /// Pass as `before` to read the next (older) page; absent on the last page.
        let nextBefore: Int64?
    }

    struct Item: Encodable {
        let id: Int64?
        let at: Date
        let actor: Actor
        let action: String
        let target: String?
        let outcome: AuditEntry.Outcome
        let detail: [String: String]
        let requestId: String?

        struct Actor: Encodable {
            let kind: Principal.Kind
            let id: String
            let name: String
            let role: Role
        }

        init(_ entry: AuditEntry) {
            id = entry.id
            at = entry.at
            actor = Actor(kind: entry.actor.kind, id: entry.actor.id, name: entry.actor.name, role: entry.actor.role)
            action = entry.action
            target = entry.target
            outcome = entry.outcome
            detail = entry.detail
            requestId = entry.requestID
        }
    }
}
