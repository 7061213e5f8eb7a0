import Access
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Plates
import Registry
import Store

/// `/api/v1/watchlists/entries` (add, list, delete), `/watchlists/import` (CSV, all or nothing) and
/// `/watchlists/export.csv`. Security centres and admins; every change and look-up is audited.
struct WatchlistRoutes {
    let dependencies: ServerDependencies
    static let roles: Set<Role> = [.security, .admin]

    func register(on api: RouterGroup<APIRequestContext>) {
        let store = dependencies.store
        api.post("watchlists/entries") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "change the watchlist")
            let body = try await JSON.decode(NewEntry.self, from: request, limit: dependencies.maxBodyBytes)
            let entry: NewWatchlistEntry
            do {
                entry = try NewWatchlistEntry(kind: body.kind, value: body.value, reason: body.reason, severity: body.severity,
                                              validUntil: body.validUntil)
            } catch let error as WatchlistInputError {
                throw APIError.invalid(error.message)
            }
            do {
                let added = try await store.addWatchlistEntries([entry], by: principal, requestID: context.id)
                return JSON.response(Item(added[0]), status: .created)
            } catch StoreError.conflict(let message) {
                throw APIError.conflict(message)
            }
        }
        api.get("watchlists/entries") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "read the watchlist")
            let query = try Self.query(request.uri.queryParameters)
            let entries = try await store.watchlistEntries(query, by: principal, requestID: context.id)
            return JSON.response(["entries": entries.map(Item.init)])
        }
        api.delete("watchlists/entries/:id") { _, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "change the watchlist")
            let id = try context.parameters.require("id")
            do {
                try await store.deleteWatchlistEntry(id: id, by: principal, requestID: context.id)
                return Response(status: .noContent)
            } catch StoreError.notFound {
                throw APIError.notFound("no watchlist entry with id \(id)")
            }
        }
        api.post("watchlists/import") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "change the watchlist")
            if let type = request.headers[.contentType], !type.lowercased().hasPrefix("text/csv") {
                throw APIError(.unsupportedMediaType, code: "unsupported_media_type", message: "send the list as text/csv, not \(type)")
            }
            let buffer: ByteBuffer
            do { buffer = try await request.body.collect(upTo: dependencies.maxBodyBytes) } catch {
                throw APIError.tooLarge(limit: dependencies.maxBodyBytes)
            }
            guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
                throw APIError.badRequest("not_utf8", "the CSV must be UTF-8 text")
            }
            let (entries, rejected) = WatchlistCSV.parse(text)
            guard rejected.isEmpty else { return Self.rejectedResponse(rejected) }
            do {
                let added = try await store.addWatchlistEntries(entries, by: principal, requestID: context.id)
                return JSON.response(["imported": added.count], status: .created)
            } catch StoreError.conflict(let message) {
                throw APIError.conflict("nothing imported: \(message)")
            }
        }
        api.get("watchlists/export.csv") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "read the watchlist")
            var query = try Self.query(request.uri.queryParameters)
            query.limit = 1_000_000
            let entries = try await store.watchlistEntries(query, by: principal, requestID: context.id)
            var headers = HTTPFields()
            headers[.contentType] = "text/csv; charset=utf-8"
            headers[.contentDisposition] = "attachment; filename=\"watchlist.csv\""
            return Response(status: .ok, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(string: WatchlistCSV.export(entries))))
        }
    }

    static func query(_ params: Parameters) throws -> WatchlistQuery {
        var query = WatchlistQuery()
        if let kind = params["kind"] {
            guard let value = WatchlistEntry.Kind(rawValue: String(kind)) else { throw APIError.invalid("'kind' must be plate or card") }
            query.kind = value
        }
        if let value = params["value"], !value.isEmpty {
            query.value = query.kind == .card ? String(value) : PlateText.canonical(String(value))
        }
        if let expired = params["include_expired"] {
            guard let flag = Bool(String(expired)) else { throw APIError.invalid("'include_expired' must be true or false") }
            query.includeExpired = flag
        }
        return query
    }

    /// 422 with every rejected line, so the operator can fix the file in one go.
    static func rejectedResponse(_ rejected: [WatchlistCSV.Rejected]) -> Response {
        struct Body: Encodable {
            struct Line: Encodable { let line: Int; let reason: String }
            let error: APIError.ErrorBody.Detail
            let rejected: [Line]
        }
        let message = "nothing imported: \(rejected.count) line\(rejected.count == 1 ? "" : "s") rejected"
        return JSON.response(Body(error: .init(code: "rejected_lines", message: message),
                                  rejected: rejected.map { Body.Line(line: $0.line, reason: $0.reason) }),
                             status: .unprocessableContent)
    }

    struct NewEntry: Decodable {
        let kind: String
        let value: String
        let reason: String
        let severity: String
        let validUntil: String?
    }

    struct Item: Encodable {
        let id, kind, value, reason, severity, createdBy: String
        let validUntil: Date?
        let createdAt: Date

        init(_ entry: WatchlistEntry) {
            id = entry.id
            kind = entry.kind.rawValue
            value = entry.value
            reason = entry.reason
            severity = entry.severity.rawValue
            createdBy = entry.createdBy
            validUntil = entry.validUntil
            createdAt = entry.createdAt
        }
    }
}
