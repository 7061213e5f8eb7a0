import Access
import Foundation

/// One line of the append-only audit log: who did what to which target, and how it ended.
///
/// Operator actions and look-ups are audited; `detail` carries structured context
/// (never secrets). Entries are immutable once written (SQLite triggers refuse
/// UPDATE and DELETE on the table).
public struct AuditEntry: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Codable, CaseIterable {
        case ok, denied, failed
    }

    /// Assigned by the store; nil before the entry is written.
    public var id: Int64?
    public var at: Date
    public var actor: Principal
    /// Dotted verb, e.g. `token.create`, `audit.query`, `auth.forbidden`.
    public var action: String
    /// What the action was about, e.g. a token id or a route.
    public var target: String?
    public var outcome: Outcome
    public var detail: [String: String]
    public var requestID: String?

    public init(
        id: Int64? = nil, at: Date = Date(), actor: Principal, action: String, target: String? = nil,
        outcome: Outcome = .ok, detail: [String: String] = [:], requestID: String? = nil
    ) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.outcome = outcome
        self.detail = detail
        self.requestID = requestID
    }
}

/// Which audit entries to read, newest first.
public struct AuditQuery: Sendable, Equatable {
    public var since: Date?
    public var until: Date?
    public var actorID: String?
    /// Exact action, or a prefix ending in `.` (e.g. `token.`).
    public var action: String?
    /// Only entries with an id below this (for paging backwards).
    public var beforeID: Int64?
    public var limit: Int

    public init(since: Date? = nil, until: Date? = nil, actorID: String? = nil, action: String? = nil,
                beforeID: Int64? = nil, limit: Int = 100) {
        self.since = since
        self.until = until
        self.actorID = actorID
        self.action = action
        self.beforeID = beforeID
        self.limit = limit
    }
}
