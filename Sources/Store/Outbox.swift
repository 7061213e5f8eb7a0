import Access
import Alerting
import Foundation
import GRDB

/// One delivery to the grid case system or a webhook, written with the case change it reports.
public struct OutboxItem: Sendable, Equatable {
    public enum State: String, Sendable, Equatable, CaseIterable { case pending, delivered, failed }

    public var id: Int64
    public var caseID: Int64
    public var target: String
    public var targetKind: CaseTarget.Kind
    /// `case.opened` or `case.transition`.
    public var event: String
    /// The JSON document delivered (webhook body; Open311 fields are taken from it).
    public var payload: String
    /// The same on every attempt, so a receiver can drop a repeat.
    public var idempotencyKey: String
    public var state: State
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastStatus: Int?
    public var lastError: String?
    public var deliveredAt: Date?
    public var createdAt: Date

    init(row: Row) {
        id = row["id"]
        caseID = row["case_id"]
        target = row["target"]
        targetKind = CaseTarget.Kind(rawValue: row["target_kind"]) ?? .webhook
        event = row["event"]
        payload = row["payload"]
        idempotencyKey = row["idempotency_key"]
        state = State(rawValue: row["state"]) ?? .pending
        attempts = row["attempts"]
        nextAttemptAt = row["next_attempt_at"]
        lastStatus = row["last_status"]
        lastError = row["last_error"]
        deliveredAt = row["delivered_at"]
        createdAt = row["created_at"]
    }
}

/// What came of one delivery attempt.
public enum DeliveryResult: Sendable, Equatable {
    /// Accepted; for Open311, the request id or the token the receiver answered with.
    case delivered(status: Int, externalRef: String?, externalToken: String?)
    case retry(at: Date, status: Int?, error: String)
    case failed(status: Int?, error: String)
}

extension Store {
    /// Pending deliveries due at `now`, oldest first.
    public func dueDeliveries(now: Date = Date(), limit: Int = 20) async throws(StoreError) -> [OutboxItem] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
                             arguments: [now, limit]).map(OutboxItem.init)
        }
    }

    /// When the next pending delivery falls due (nil: none pending).
    public func nextDeliveryDue() async throws(StoreError) -> Date? {
        try await read { db in try Date.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'") }
    }

    /// Records an attempt's outcome; an Open311 opening also stores the receiver's id (or token) on the case.
    public func recordDelivery(_ id: Int64, _ result: DeliveryResult, at: Date = Date()) async throws(StoreError) {
        try await write { db in
            switch result {
            case .delivered(let status, let ref, let token):
                try db.execute(sql: """
                    UPDATE outbox SET state = 'delivered', attempts = attempts + 1, last_status = ?, last_error = NULL, delivered_at = ?
                    WHERE id = ?
                    """, arguments: [status, at, id])
                if ref != nil || token != nil {
                    try db.execute(sql: """
                        UPDATE grid_case SET external_ref = COALESCE(?, external_ref), external_token = COALESCE(?, external_token)
                        WHERE id = (SELECT case_id FROM outbox WHERE id = ?)
                        """, arguments: [ref, token, id])
                }
            case .retry(let next, let status, let error):
                try db.execute(sql: "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_status = ?, last_error = ? WHERE id = ?",
                               arguments: [next, status, String(error.prefix(500)), id])
            case .failed(let status, let error):
                try db.execute(sql: "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_status = ?, last_error = ? WHERE id = ?",
                               arguments: [status, String(error.prefix(500)), id])
            }
        }
    }

    /// Deliveries, newest first, optionally of one state (the security page shows the failed ones).
    public func outbox(state: OutboxItem.State? = nil, before: Int64? = nil, limit: Int = 50) async throws(StoreError) -> [OutboxItem] {
        var listing = Listing()
        listing.add("state = ?", state?.rawValue)
        return try await listing.fetch(from: "outbox", before: before, after: nil, limit: limit, store: self, actor: nil,
                                       action: "", requestID: nil, OutboxItem.init)
    }

    /// An administrator sends a failed delivery again (after fixing the cause); same idempotency key.
    public func retryDelivery(_ id: Int64, by actor: Principal, requestID: String? = nil) async throws(StoreError) -> OutboxItem {
        let item = try await write { db -> OutboxItem in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE id = ?", arguments: [id]) else {
                throw StoreError.notFound("delivery \(id)")
            }
            guard OutboxItem(row: row).state == .failed else { throw StoreError.conflict("delivery \(id) has not failed") }
            try db.execute(sql: "UPDATE outbox SET state = 'pending', next_attempt_at = ? WHERE id = ?", arguments: [Date(), id])
            try AuditLog.append(AuditEntry(actor: actor, action: "outbox.retry", target: String(id), requestID: requestID), in: db)
            return OutboxItem(row: try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE id = ?", arguments: [id])!)
        }
        changes.committed(.outbox)
        return item
    }

    /// A case the grid case system holds (Open311), to poll for its status.
    public struct ExternalCase: Sendable, Equatable {
        public var caseID: Int64
        public var state: CaseState
        public var ref: String?
        public var token: String?
        public var status: String?
    }

    /// Cases delivered to the Open311 target and not final here, to poll.
    public func externalCasesToPoll(limit: Int = 100) async throws(StoreError) -> [ExternalCase] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, state, external_ref, external_token, external_status FROM grid_case
                WHERE (external_ref IS NOT NULL OR external_token IS NOT NULL) AND state NOT IN ('closed','rejected')
                ORDER BY updated_at LIMIT ?
                """, arguments: [limit]).map {
                ExternalCase(caseID: $0["id"], state: CaseState(rawValue: $0["state"]) ?? .new, ref: $0["external_ref"],
                             token: $0["external_token"], status: $0["external_status"])
            }
        }
    }

    /// Mirrors what the grid case system says about a case: its request id once a token resolves, its status,
    /// and, when it reports the request closed, the case moves to `resolved` (by the grid, with its notes).
    public func mirrorExternalCase(_ caseID: Int64, ref: String?, status: String?, notes: String?, source: String,
                                   at: Date = Date()) async throws(StoreError) {
        let setup = alertingSetup
        try await write { db in
            try db.execute(sql: """
                UPDATE grid_case SET external_ref = COALESCE(?, external_ref), external_status = COALESCE(?, external_status)
                WHERE id = ?
                """, arguments: [ref, status, caseID])
            guard status?.lowercased() == "closed", let current = try Self.fetchCase(caseID, db),
                  current.state.allows(.resolved) else { return }
            _ = try Self.transition(current, to: .resolved, actor: source, note: notes ?? "closed in the grid case system",
                                    at: at, setup: setup, in: db)
        }
        changes.committed(.outbox)
    }
}
