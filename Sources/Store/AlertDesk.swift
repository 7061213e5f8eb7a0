import Access
import Alerting
import Foundation
import GRDB

/// What the store needs to route alerts and fill the outbox: the rules and where cases go. Swapped on reload.
public struct AlertingSetup: Sendable, Equatable {
    public var rules: AlertRules
    public var targets: [CaseTarget]
    /// Prefix of the outbox's idempotency keys, so two communities' keys never collide at one receiver.
    public var community: String

    public init(rules: AlertRules = AlertRules(), targets: [CaseTarget] = [], community: String = "checkpointd") {
        self.rules = rules
        self.targets = targets
        self.community = community
    }
}

extension Store {
    /// Routes, de-duplicates and stores an alert inside the caller's transaction: a repeat of the same subject
    /// within the window counts on the existing alert; a new one gets its action, an event on the live log and,
    /// when the rules say so, a case with its outbox rows. Returns the alert and whether it was a repeat.
    static func raise(_ alert: NewAlert, subject: String?, setup: AlertingSetup, in db: Database) throws -> (AlertRecord, Bool) {
        let facts = AlertFacts(kind: alert.kind, severity: alert.severity, checkpoint: alert.checkpoint, subject: subject, at: alert.raisedAt)
        var latest: AlertRecord?
        if let key = facts.dedupKey {
            latest = try Row.fetchOne(db, sql: "SELECT * FROM alert WHERE dedup_key = ? ORDER BY id DESC LIMIT 1", arguments: [key])
                .map(AlertRecord.init)
        }
        switch AlertRouter.decide(facts, latest: latest?.open, rules: setup.rules) {
        case .repeatOf(let id):
            try db.execute(sql: "UPDATE alert SET repeats = repeats + 1, last_raised_at = ?, cleared_at = NULL WHERE id = ?",
                           arguments: [alert.raisedAt, id])
            try appendAlertEvent(id, "repeated", at: alert.raisedAt, announce: false, in: db)
            return (try fetchAlert(id, db), true)
        case .raise(let action, let announce):
            let evidence = alert.evidence.isEmpty ? nil : String(decoding: try JSONEncoder().encode(alert.evidence), as: UTF8.self)
            try db.execute(sql: """
                INSERT INTO alert (kind, severity, raised_at, checkpoint, lane, camera_id, message, evidence, dedup_key, action,
                    announced, last_raised_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [alert.kind, alert.severity.rawValue, alert.raisedAt, alert.checkpoint, alert.lane, alert.cameraID,
                                 alert.message, evidence, facts.dedupKey, action.rawValue, announce, alert.raisedAt])
            let id = db.lastInsertedRowID
            try appendAlertEvent(id, "raised", at: alert.raisedAt, announce: announce && action != .record, in: db)
            if action == .openCase {
                _ = try openCase(alertID: id, actor: "checkpointd", note: "opened by the alert rules", at: alert.raisedAt, setup: setup, in: db)
            }
            return (try fetchAlert(id, db), false)
        }
    }

    static func fetchAlert(_ id: Int64, _ db: Database) throws -> AlertRecord {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM alert WHERE id = ?", arguments: [id]) else {
            throw StoreError.notFound("alert \(id)")
        }
        return AlertRecord(row: row)
    }

    static func appendAlertEvent(_ alertID: Int64, _ kind: String, at: Date, actor: String? = nil, note: String? = nil,
                                 announce: Bool, in db: Database) throws {
        try db.execute(sql: "INSERT INTO alert_event (alert_id, kind, at, actor, note, announce) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [alertID, kind, at, actor, note, announce])
    }

    /// The routing rules and case targets in force.
    public var alertingSetup: AlertingSetup { alerting.withLock { $0 } }

    /// Installs new rules and targets (at start and on reload).
    public func configureAlerting(_ setup: AlertingSetup) { alerting.withLock { $0 = setup } }

    // MARK: Acknowledge, escalate

    /// A person at the security centre has seen the alert: who, when, a note. Acknowledging twice keeps the
    /// first. The alert's case, if still `new`, moves to `acknowledged` with the same note.
    public func acknowledgeAlert(_ id: Int64, by actor: Principal, note: String, at: Date = Date(), requestID: String? = nil)
        async throws(StoreError) -> AlertRecord {
        let setup = alertingSetup
        let alert = try await write { db -> AlertRecord in
            let alert = try Self.fetchAlert(id, db)
            guard alert.acknowledgedAt == nil else { return alert }
            try db.execute(sql: "UPDATE alert SET acknowledged_at = ?, acknowledged_by = ?, ack_note = ? WHERE id = ?",
                           arguments: [at, actor.name, note, id])
            try Self.appendAlertEvent(id, "acknowledged", at: at, actor: actor.name, note: note, announce: false, in: db)
            if let caseID = alert.caseID, let current = try Self.fetchCase(caseID, db), current.state == .new {
                _ = try Self.transition(current, to: .acknowledged, actor: actor.name, note: note, at: at, setup: setup, in: db)
            }
            try AuditLog.append(AuditEntry(actor: actor, action: "alert.acknowledge", target: String(id), requestID: requestID), in: db)
            return try Self.fetchAlert(id, db)
        }
        changes.committed(.alert)
        changes.committed(.outbox)
        return alert
    }

    /// Escalates the unacknowledged alerts that are due at `now` (severity up a step, announced again; a case is
    /// opened if the rules open one for the new severity). Returns the escalated alerts.
    @discardableResult
    public func escalateDueAlerts(now: Date = Date()) async throws(StoreError) -> [AlertRecord] {
        let setup = alertingSetup
        guard setup.rules.escalateAfter != nil else { return [] }
        let candidates = """
            SELECT * FROM alert WHERE acknowledged_at IS NULL AND cleared_at IS NULL AND severity IN ('warning','critical')
                AND escalations < ? AND action != 'record'
            """
        let limit = setup.rules.maxEscalations
        // Most passes find nothing due: look with a read, and take the writer only when something escalates.
        let due = try await read { db in
            try Row.fetchAll(db, sql: candidates, arguments: [limit]).map(AlertRecord.init)
        }
        guard !AlertRouter.escalations(due.map(\.open), rules: setup.rules, now: now).isEmpty else { return [] }
        let escalated = try await write { db -> [AlertRecord] in
            let open = try Row.fetchAll(db, sql: candidates, arguments: [limit]).map(AlertRecord.init)
            var done: [AlertRecord] = []
            for step in AlertRouter.escalations(open.map(\.open), rules: setup.rules, now: now) {
                try db.execute(sql: "UPDATE alert SET severity = ?, escalations = ?, escalated_at = ? WHERE id = ?",
                               arguments: [step.severity.rawValue, step.level, now, step.id])
                try Self.appendAlertEvent(step.id, "escalated", at: now, note: "unacknowledged; escalation \(step.level)", announce: true, in: db)
                var alert = try Self.fetchAlert(step.id, db)
                if alert.caseID == nil,
                   setup.rules.action(kind: alert.kind, severity: step.severity, checkpoint: alert.checkpoint) == .openCase {
                    _ = try Self.openCase(alertID: alert.id, actor: "checkpointd", note: "opened on escalation", at: now, setup: setup, in: db)
                    alert = try Self.fetchAlert(step.id, db)
                }
                done.append(alert)
            }
            return done
        }
        if !escalated.isEmpty {
            changes.committed(.alert)
            changes.committed(.outbox)
        }
        return escalated
    }

    // MARK: The live log

    /// One entry of the alert log: what happened to which alert (its state now).
    public struct AlertEvent: Sendable, Equatable {
        public var id: Int64
        /// raised, repeated, escalated, acknowledged, case_opened, cleared
        public var kind: String
        public var at: Date
        public var actor: String?
        public var note: String?
        /// Whether the security page should sound it (new alerts outside quiet hours, escalations).
        public var announce: Bool
        public var alert: AlertRecord
    }

    /// Log entries after `afterID`, oldest first, for alerts matching `filter` (kind, severity, checkpoint, camera).
    /// Unaudited: the stream that reads it was audited when it opened.
    public func alertEvents(after afterID: Int64, filter: AlertQuery, limit: Int) async throws(StoreError) -> [AlertEvent] {
        var clauses = ["e.id > ?"]
        var arguments: StatementArguments = [afterID]
        if let kind = filter.kind { clauses.append("a.kind = ?"); arguments += [kind] }
        if let severity = filter.severity { clauses.append("a.severity = ?"); arguments += [severity.rawValue] }
        if let checkpoint = filter.checkpoint { clauses.append("a.checkpoint = ?"); arguments += [checkpoint] }
        if let camera = filter.cameraID { clauses.append("a.camera_id = ?"); arguments += [camera] }
        arguments += [max(1, min(limit, 500))]
        let sql = """
            SELECT e.id AS event_id, e.kind AS event_kind, e.at AS event_at, e.actor AS event_actor, e.note AS event_note,
                e.announce AS event_announce, a.* FROM alert_event e JOIN alert a ON a.id = e.alert_id
            WHERE \(clauses.joined(separator: " AND ")) ORDER BY e.id LIMIT ?
            """
        return try await read { [arguments] db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                AlertEvent(id: row["event_id"], kind: row["event_kind"], at: row["event_at"], actor: row["event_actor"],
                           note: row["event_note"], announce: row["event_announce"], alert: AlertRecord(row: row))
            }
        }
    }

    /// The newest log entry's id (where a stream without a resume point starts).
    public func latestAlertEventID() async throws(StoreError) -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM alert_event") ?? 0 }
    }
}
