import Access
import Alerting
import Foundation
import GRDB

/// A case opened for an alert, with its history.
public struct CaseRecord: Sendable, Equatable {
    public struct Transition: Sendable, Equatable {
        public var id: Int64
        public var from: CaseState?
        public var to: CaseState
        public var at: Date
        public var actor: String
        public var note: String
    }

    public var id: Int64
    public var alertID: Int64
    public var checkpoint: String?
    public var kind: String
    public var severity: AlertSeverity
    public var summary: String
    public var state: CaseState
    public var openedAt: Date
    public var openedBy: String
    public var updatedAt: Date
    public var acknowledgedAt: Date?
    public var closedAt: Date?
    /// The grid case system's id for it (Open311 `service_request_id`), once known.
    public var externalRef: String?
    public var externalStatus: String?
    public var transitions: [Transition] = []

    init(row: Row) {
        id = row["id"]
        alertID = row["alert_id"]
        checkpoint = row["checkpoint"]
        kind = row["kind"]
        severity = AlertSeverity(rawValue: row["severity"]) ?? .warning
        summary = row["summary"]
        state = CaseState(rawValue: row["state"]) ?? .new
        openedAt = row["opened_at"]
        openedBy = row["opened_by"]
        updatedAt = row["updated_at"]
        acknowledgedAt = row["acknowledged_at"]
        closedAt = row["closed_at"]
        externalRef = row["external_ref"]
        externalStatus = row["external_status"]
    }
}

/// Which cases a listing shows; newest first, paged by `beforeID`.
public struct CaseQuery: Sendable, Equatable {
    public var state: CaseState?
    public var checkpoint: String?
    public var since: Date?
    public var until: Date?
    public var beforeID: Int64?
    public var limit: Int

    public init(state: CaseState? = nil, checkpoint: String? = nil, since: Date? = nil, until: Date? = nil, beforeID: Int64? = nil,
                limit: Int = 50) {
        self.state = state
        self.checkpoint = checkpoint
        self.since = since
        self.until = until
        self.beforeID = beforeID
        self.limit = limit
    }
}

/// Figures of the cases opened in a period at one checkpoint (or all: `checkpoint` nil).
public struct CaseFigures: Sendable, Equatable {
    public var checkpoint: String?
    public var opened: Int
    /// Still open now (not closed or rejected).
    public var open: Int
    public var closed: Int
    /// closed / opened (0 when none opened).
    public var closureRate: Double
    public var medianSecondsToAcknowledge: Double?
    public var medianSecondsToClose: Double?
}

/// Why a case change was refused.
public enum CaseError: Error, Equatable, Sendable {
    case notFound(Int64)
    case notAllowed(from: CaseState, to: CaseState)
}

extension Store {
    /// Opens a case for an alert inside the caller's transaction (or returns the one it has): the case, its first
    /// transition (`new`), the alert's link and log entry, and an outbox row per target.
    static func openCase(alertID: Int64, actor: String, note: String, at: Date, setup: AlertingSetup, in db: Database) throws -> CaseRecord {
        let alert = try fetchAlert(alertID, db)
        if let caseID = alert.caseID, let existing = try fetchCase(caseID, db) { return existing }
        try db.execute(sql: """
            INSERT INTO grid_case (alert_id, checkpoint, kind, severity, summary, state, opened_at, opened_by, updated_at)
            VALUES (?, ?, ?, ?, ?, 'new', ?, ?, ?)
            """, arguments: [alertID, alert.checkpoint, alert.kind, alert.severity.rawValue, alert.message, at, actor, at])
        let caseID = db.lastInsertedRowID
        try db.execute(sql: "INSERT INTO case_transition (case_id, from_state, to_state, at, actor, note) VALUES (?, NULL, 'new', ?, ?, ?)",
                       arguments: [caseID, at, actor, note])
        let transitionID = db.lastInsertedRowID
        try db.execute(sql: "UPDATE alert SET case_id = ? WHERE id = ?", arguments: [caseID, alertID])
        try appendAlertEvent(alertID, "case_opened", at: at, actor: actor, note: note, announce: false, in: db)
        guard let record = try fetchCase(caseID, db) else { throw StoreError.failed("case \(caseID) vanished after insert") }
        try enqueue(record, alert: try fetchAlert(alertID, db), event: "case.opened", transitionID: transitionID, setup: setup, in: db)
        return record
    }

    /// Moves a case along the state machine inside the caller's transaction, with the outbox rows for it.
    static func transition(_ current: CaseRecord, to target: CaseState, actor: String, note: String, at: Date,
                           setup: AlertingSetup, in db: Database) throws -> CaseRecord {
        guard current.state.allows(target) else { throw CaseError.notAllowed(from: current.state, to: target) }
        try db.execute(sql: """
            UPDATE grid_case SET state = ?, updated_at = ?,
                acknowledged_at = COALESCE(acknowledged_at, CASE WHEN ? IN ('acknowledged','dispatched','resolved','closed') THEN ? END),
                closed_at = CASE WHEN ? IN ('closed','rejected') THEN ? ELSE NULL END
            WHERE id = ?
            """, arguments: [target.rawValue, at, target.rawValue, at, target.rawValue, at, current.id])
        try db.execute(sql: "INSERT INTO case_transition (case_id, from_state, to_state, at, actor, note) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [current.id, current.state.rawValue, target.rawValue, at, actor, note])
        let transitionID = db.lastInsertedRowID
        guard let record = try fetchCase(current.id, db) else { throw CaseError.notFound(current.id) }
        try enqueue(record, alert: try fetchAlert(record.alertID, db), event: "case.transition", transitionID: transitionID,
                    setup: setup, in: db)
        return record
    }

    static func fetchCase(_ id: Int64, _ db: Database) throws -> CaseRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM grid_case WHERE id = ?", arguments: [id]) else { return nil }
        var record = CaseRecord(row: row)
        record.transitions = try Row.fetchAll(db, sql: "SELECT * FROM case_transition WHERE case_id = ? ORDER BY id", arguments: [id]).map {
            CaseRecord.Transition(id: $0["id"], from: ($0["from_state"] as String?).flatMap(CaseState.init(rawValue:)),
                                  to: CaseState(rawValue: $0["to_state"]) ?? .new, at: $0["at"], actor: $0["actor"], note: $0["note"])
        }
        return record
    }

    /// One outbox row per target that receives `event`, in the caller's transaction: the delivery is as durable
    /// as the change it reports, and its idempotency key is fixed now, so every retry carries the same one.
    static func enqueue(_ record: CaseRecord, alert: AlertRecord, event: String, transitionID: Int64, setup: AlertingSetup,
                        in db: Database) throws {
        let targets = setup.targets.filter { $0.receives(event) }
        guard !targets.isEmpty else { return }
        let transition = record.transitions.first { $0.id == transitionID }
        var payload: [String: Any] = [
            "event": event, "community": setup.community,
            "case": ["id": record.id, "state": record.state.rawValue, "kind": record.kind, "severity": record.severity.rawValue,
                     "summary": record.summary, "checkpoint": record.checkpoint ?? NSNull(), "opened_at": Self.iso(record.openedAt),
                     "opened_by": record.openedBy] as [String: Any],
            "alert": ["id": alert.id, "kind": alert.kind, "severity": alert.severity.rawValue, "message": alert.message,
                      "raised_at": Self.iso(alert.raisedAt), "checkpoint": alert.checkpoint ?? NSNull(),
                      "lane": alert.lane ?? NSNull(), "camera_id": alert.cameraID ?? NSNull(),
                      "plate": alert.evidence["plate"] ?? NSNull(), "card_id": alert.evidence["card_id"] ?? NSNull(),
                      "entry_id": alert.passageID.map { $0 as Any } ?? NSNull()] as [String: Any],
        ]
        if let transition {
            payload["transition"] = ["from": transition.from?.rawValue ?? NSNull(), "to": transition.to.rawValue,
                                     "at": Self.iso(transition.at), "by": transition.actor, "note": transition.note] as [String: Any]
        }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys, .withoutEscapingSlashes]),
                          as: UTF8.self)
        let now = Date()
        for target in targets {
            let key = "\(setup.community)-case-\(record.id)-\(transitionID)-\(target.name)"
            try db.execute(sql: """
                INSERT INTO outbox (case_id, transition_id, target, target_kind, event, payload, idempotency_key, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [record.id, transitionID, target.name, target.kind.rawValue, event, text, key, now, now])
        }
    }

    // MARK: Public operations

    /// Opens a case for an alert by hand (one click on the security page), or returns the one it has.
    public func openCase(forAlert alertID: Int64, by actor: Principal, note: String, at: Date = Date(), requestID: String? = nil)
        async throws(StoreError) -> CaseRecord {
        let setup = alertingSetup
        let record = try await write { db -> CaseRecord in
            let record = try Self.openCase(alertID: alertID, actor: actor.name, note: note, at: at, setup: setup, in: db)
            try AuditLog.append(AuditEntry(actor: actor, action: "case.open", target: String(record.id),
                                           detail: ["alert_id": String(alertID)], requestID: requestID), in: db)
            return record
        }
        changes.committed(.alert)
        changes.committed(.outbox)
        return record
    }

    /// Moves a case to `target` by a named user with a note; refused if the state machine does not allow it.
    public func transitionCase(_ id: Int64, to target: CaseState, by actor: Principal, note: String, at: Date = Date(),
                               requestID: String? = nil) async throws -> CaseRecord {
        let setup = alertingSetup
        let record = try await pool.write { db -> CaseRecord in
            guard let current = try Self.fetchCase(id, db) else { throw CaseError.notFound(id) }
            let record = try Self.transition(current, to: target, actor: actor.name, note: note, at: at, setup: setup, in: db)
            try AuditLog.append(AuditEntry(actor: actor, action: "case.transition", target: String(id),
                                           detail: ["from": current.state.rawValue, "to": target.rawValue], requestID: requestID), in: db)
            return record
        }
        changes.committed(.outbox)
        return record
    }

    /// One case with its transitions; audited.
    public func caseRecord(_ id: Int64, by actor: Principal, requestID: String? = nil) async throws(StoreError) -> CaseRecord? {
        try await write { db in
            try AuditLog.append(AuditEntry(actor: actor, action: "case.read", target: String(id), requestID: requestID), in: db)
            return try Self.fetchCase(id, db)
        }
    }

    /// Cases, newest first (without their transitions); audited.
    public func cases(_ query: CaseQuery, by actor: Principal, requestID: String? = nil) async throws(StoreError) -> [CaseRecord] {
        var listing = Listing()
        listing.add("state = ?", query.state?.rawValue, audit: "state")
        listing.add("checkpoint = ?", query.checkpoint, audit: "checkpoint")
        listing.add("opened_at >= ?", query.since)
        listing.add("opened_at < ?", query.until)
        return try await listing.fetch(from: "grid_case", before: query.beforeID, after: nil, limit: query.limit, store: self,
                                       actor: actor, action: "case.search", requestID: requestID, CaseRecord.init)
    }

    /// Figures for the cases opened in `[since, until)`: per checkpoint, and the total (checkpoint nil) first.
    public func caseFigures(since: Date, until: Date, checkpoint: String? = nil) async throws(StoreError) -> [CaseFigures] {
        try await read { db in
            var sql = "SELECT checkpoint, state, opened_at, acknowledged_at, closed_at FROM grid_case WHERE opened_at >= ? AND opened_at < ?"
            var arguments: StatementArguments = [since, until]
            if let checkpoint { sql += " AND checkpoint = ?"; arguments += [checkpoint] }
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            typealias Item = (checkpoint: String?, state: CaseState, opened: Date, acknowledged: Date?, closed: Date?)
            let items: [Item] = rows.map {
                ($0["checkpoint"], CaseState(rawValue: $0["state"]) ?? .new, $0["opened_at"], $0["acknowledged_at"], $0["closed_at"])
            }
            func figures(_ group: [Item], _ checkpoint: String?) -> CaseFigures {
                let closed = group.filter { $0.state == .closed }.count
                let open = group.filter { !$0.state.isFinal }.count
                return CaseFigures(checkpoint: checkpoint, opened: group.count, open: open, closed: closed,
                                   closureRate: group.isEmpty ? 0 : Double(closed) / Double(group.count),
                                   medianSecondsToAcknowledge: Self.median(group.compactMap { $0.acknowledged?.timeIntervalSince($0.opened) }),
                                   medianSecondsToClose: Self.median(group.compactMap { $0.closed?.timeIntervalSince($0.opened) }))
            }
            var result = [figures(items, nil)]
            let byCheckpoint = Dictionary(grouping: items) { $0.checkpoint ?? "" }
            for key in byCheckpoint.keys.sorted() { result.append(figures(byCheckpoint[key]!, key)) }
            return result
        }
    }

    static func iso(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
