import Foundation
import GRDB

/// A stored alert: something a security centre should look at.
public struct AlertRecord: Sendable, Equatable {
    public enum Severity: String, Sendable, Equatable, CaseIterable { case info, warning, critical }

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
        defer { changes.committed(.alert) }
        return try await write { db in
            if let open = try Row.fetchOne(db, sql: """
                SELECT * FROM alert WHERE camera_id = ? AND kind = ? AND cleared_at IS NULL ORDER BY id DESC LIMIT 1
                """, arguments: [alert.cameraID, alert.kind]) {
                return AlertRecord(row: open)
            }
            return try Self.insert(alert, db)
        }
    }

    /// Marks a camera's open alerts of `kind` as cleared.
    public func clearCameraAlert(cameraID: String, kind: String, at: Date) async throws(StoreError) {
        try await write { db in
            try db.execute(sql: "UPDATE alert SET cleared_at = ? WHERE camera_id = ? AND kind = ? AND cleared_at IS NULL",
                           arguments: [at, cameraID, kind])
        }
    }

    /// Clears open alerts of cameras that are no longer watched (removed, disabled) —
    /// nobody could ever see them end otherwise.
    public func clearCameraAlerts(exceptCameras watched: Set<String>, at: Date) async throws(StoreError) {
        try await write { db in
            let open = try String.fetchAll(db, sql: "SELECT DISTINCT camera_id FROM alert WHERE camera_id IS NOT NULL AND cleared_at IS NULL")
            for camera in open where !watched.contains(camera) {
                try db.execute(sql: "UPDATE alert SET cleared_at = ? WHERE camera_id = ? AND cleared_at IS NULL",
                               arguments: [at, camera])
            }
        }
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

    static func insert(_ alert: NewAlert, _ db: Database) throws -> AlertRecord {
        let evidence = alert.evidence.isEmpty ? nil
            : String(decoding: try JSONEncoder().encode(alert.evidence), as: UTF8.self)
        try db.execute(sql: """
            INSERT INTO alert (kind, severity, raised_at, checkpoint, lane, camera_id, message, evidence)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [alert.kind, alert.severity.rawValue, alert.raisedAt, alert.checkpoint, alert.lane,
                             alert.cameraID, alert.message, evidence])
        let id = db.lastInsertedRowID
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM alert WHERE id = ?", arguments: [id]) else {
            throw StoreError.failed("alert \(id) vanished after insert")
        }
        return AlertRecord(row: row)
    }
}
