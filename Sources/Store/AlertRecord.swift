import Alerting
import Foundation
import GRDB

/// A stored alert: something a security centre should look at.
public struct AlertRecord: Sendable, Equatable {
    public typealias Severity = AlertSeverity

    public var id: Int64
    /// e.g. `camera_offline`, `camera_frozen`, `watchlist_hit`.
    public var kind: String
    public var severity: Severity
    public var raisedAt: Date
    public var checkpoint: String?
    public var lane: String?
    public var cameraID: String?
    public var message: String
    /// What supports the alert (snapshot path, how a list matched, …).
    public var evidence: [String: String]
    /// When the condition ended (camera back, picture moving again), if it has.
    public var clearedAt: Date?
    /// The passage that raised it (watchlist hits, flags), if any.
    public var passageID: Int64?
    /// How the routing rules sent it: live, live with a case, or recorded only.
    public var action: AlertAction
    /// False when it came in quiet hours (listed, not announced).
    public var announced: Bool
    /// How many times the same subject raised it within the de-duplication window (1 = once).
    public var repeats: Int
    public var lastRaisedAt: Date
    public var escalations: Int
    public var escalatedAt: Date?
    public var acknowledgedAt: Date?
    public var acknowledgedBy: String?
    public var acknowledgementNote: String?
    public var caseID: Int64?

    init(row: Row) {
        id = row["id"]
        kind = row["kind"]
        severity = Severity(rawValue: row["severity"]) ?? .warning
        raisedAt = row["raised_at"]
        checkpoint = row["checkpoint"]
        lane = row["lane"]
        cameraID = row["camera_id"]
        message = row["message"]
        let evidenceText: String? = row["evidence"]
        evidence = evidenceText.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:]
        clearedAt = row["cleared_at"]
        passageID = row.hasColumn("passage_id") ? row["passage_id"] : nil
        action = (row["action"] as String?).flatMap(AlertAction.init(rawValue:)) ?? .live
        announced = (row["announced"] as Bool?) ?? true
        repeats = (row["repeats"] as Int?) ?? 1
        lastRaisedAt = (row["last_raised_at"] as Date?) ?? raisedAt
        escalations = (row["escalations"] as Int?) ?? 0
        escalatedAt = row["escalated_at"]
        acknowledgedAt = row["acknowledged_at"]
        acknowledgedBy = row["acknowledged_by"]
        acknowledgementNote = row["ack_note"]
        caseID = row["case_id"]
    }

    /// As routing sees it.
    var open: OpenAlert {
        OpenAlert(id: id, severity: severity, raisedAt: raisedAt, lastRaisedAt: lastRaisedAt, escalatedAt: escalatedAt,
                  escalations: escalations, acknowledged: acknowledgedAt != nil)
    }
}

/// An alert about to be stored.
public struct NewAlert: Sendable, Equatable {
    public var kind: String
    public var severity: AlertRecord.Severity
    public var raisedAt: Date
    public var checkpoint: String?
    public var lane: String?
    public var cameraID: String?
    public var message: String
    public var evidence: [String: String]

    public init(kind: String, severity: AlertRecord.Severity, raisedAt: Date, checkpoint: String? = nil, lane: String? = nil,
                cameraID: String? = nil, message: String, evidence: [String: String] = [:]) {
        self.kind = kind
        self.severity = severity
        self.raisedAt = raisedAt
        self.checkpoint = checkpoint
        self.lane = lane
        self.cameraID = cameraID
        self.message = message
        self.evidence = evidence
    }
}

extension Store {
    /// Stores a camera condition as an alert, unless the same camera already has
    /// the same kind open (a restart or a flapping link must not flood the list).
    public func raiseCameraAlert(_ alert: NewAlert) async throws(StoreError) -> AlertRecord {
        let setup = alertingSetup
        defer {
            changes.committed(.alert)
            changes.committed(.outbox)
        }
        return try await write { db in
            if let open = try Row.fetchOne(db, sql: """
                SELECT * FROM alert WHERE camera_id = ? AND kind = ? AND cleared_at IS NULL ORDER BY id DESC LIMIT 1
                """, arguments: [alert.cameraID, alert.kind]) {
                return AlertRecord(row: open)
            }
            return try Self.raise(alert, subject: alert.cameraID, setup: setup, in: db).0
        }
    }

    /// Marks a camera's open alerts of `kind` as cleared.
    public func clearCameraAlert(cameraID: String, kind: String, at: Date) async throws(StoreError) {
        try await write { db in
            let ids = try Int64.fetchAll(db, sql: "SELECT id FROM alert WHERE camera_id = ? AND kind = ? AND cleared_at IS NULL",
                                         arguments: [cameraID, kind])
            try Self.clear(ids, at: at, in: db)
        }
        changes.committed(.alert)
    }

    /// Marks alerts' conditions as ended, with an entry on the live log each.
    static func clear(_ ids: [Int64], at: Date, in db: Database) throws {
        for id in ids {
            try db.execute(sql: "UPDATE alert SET cleared_at = ? WHERE id = ?", arguments: [at, id])
            try appendAlertEvent(id, "cleared", at: at, announce: false, in: db)
        }
    }

    /// Clears open alerts of cameras that are no longer watched (removed, disabled) —
    /// nobody could ever see them end otherwise.
    public func clearCameraAlerts(exceptCameras watched: Set<String>, at: Date) async throws(StoreError) {
        try await write { db in
            let open = try String.fetchAll(db, sql: "SELECT DISTINCT camera_id FROM alert WHERE camera_id IS NOT NULL AND cleared_at IS NULL")
            for camera in open where !watched.contains(camera) {
                let ids = try Int64.fetchAll(db, sql: "SELECT id FROM alert WHERE camera_id = ? AND cleared_at IS NULL", arguments: [camera])
                try Self.clear(ids, at: at, in: db)
            }
        }
        changes.committed(.alert)
    }

    /// Most recent alerts first.
    public func alerts(cameraID: String? = nil, limit: Int = 100) async throws(StoreError) -> [AlertRecord] {
        try await read { db in
            var sql = "SELECT * FROM alert"
            var arguments: StatementArguments = []
            if let cameraID {
                sql += " WHERE camera_id = ?"
                arguments += [cameraID]
            }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(AlertRecord.init)
        }
    }

}
