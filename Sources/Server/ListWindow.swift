import Foundation
import Hummingbird

/// The paging and time terms every listing takes (`since`, `until`, `before`, `limit`), checked once.
struct ListWindow {
    var since: Date?
    var until: Date?
    var before: Int64?
    var limit: Int

    /// `what` names the listed thing in the message about a bad `before` ("an alert id").
    init(_ request: Request, what: String, defaultLimit: Int = 50) throws {
        let params = request.uri.queryParameters
        since = try params["since"].map { try AuditRoutes.time($0, "since") }
        until = try params["until"].map { try AuditRoutes.time($0, "until") }
        before = try params["before"].map { text -> Int64 in
            guard let id = Int64(text), id > 0 else { throw APIError.invalid("'before' must be \(what)") }
            return id
        }
        limit = defaultLimit
        if let text = params["limit"] {
            guard let value = Int(text), (1...500).contains(value) else {
                throw APIError.invalid("'limit' must be a whole number from 1 to 500")
            }
            limit = value
        }
    }
}
