import Access
import Foundation
import GRDB

/// A gate device's event as stored: the common envelope plus kind-specific detail.
public struct GateEventRecord: Sendable, Equatable {
    public var id: Int64
    public var deviceID: String
    public var eventID: String
    /// `gate_opened`, `plate_read`, `card_scan`, … (validated by the API).
    public var kind: String
    public var checkpoint: String
    public var lane: String
    public var at: Date
    public var receivedAt: Date
    /// Kind-specific fields (plate and confidence, operator and reason, the scan's verdict…).
    public var detail: [String: String]
    public var snapshotPath: String?
    public var snapshotSHA256: String?

    init(row: Row) {
        id = row["id"]
        deviceID = row["device_id"]
        eventID = row["event_id"]
        kind = row["kind"]
        checkpoint = row["checkpoint"]
        lane = row["lane"]
        at = row["at"]
        receivedAt = row["received_at"]
        let text: String = row["detail"]
        detail = (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
        snapshotPath = row["snapshot_path"]
        snapshotSHA256 = row["snapshot_sha256"]
    }
}

/// A gate event about to be stored.
public struct NewGateEvent: Sendable, Equatable {
    public var deviceID: String
    public var eventID: String
    public var kind: String
    public var checkpoint: String
    public var lane: String
    public var at: Date
    public var detail: [String: String]
    public var snapshotPath: String?
    public var snapshotSHA256: String?

    public init(deviceID: String, eventID: String, kind: String, checkpoint: String, lane: String, at: Date,
                detail: [String: String] = [:], snapshotPath: String? = nil, snapshotSHA256: String? = nil) {
        self.deviceID = deviceID
        self.eventID = eventID
        self.kind = kind
        self.checkpoint = checkpoint
        self.lane = lane
        self.at = at
        self.detail = detail
        self.snapshotPath = snapshotPath
        self.snapshotSHA256 = snapshotSHA256
    }
}

extension Store {
    /// Stores an event once. A resend with the same device and event id returns the stored event and
    /// `duplicate: true`; a resend whose content differs is a conflict (the device reuses ids).
    public func recordGateEvent(_ event: NewGateEvent, receivedAt: Date = Date(), by actor: Principal,
                                requestID: String? = nil) async throws(StoreError) -> (event: GateEventRecord, duplicate: Bool) {
        try await write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM gate_event WHERE device_id = ? AND event_id = ?",
                                          arguments: [event.deviceID, event.eventID]) {
                let stored = GateEventRecord(row: row)
                guard stored.kind == event.kind, stored.checkpoint == event.checkpoint, stored.lane == event.lane,
                      abs(stored.at.timeIntervalSince(event.at)) < 0.001 else {
                    throw StoreError.conflict("event \(event.eventID) of \(event.deviceID) was already received with other content")
                }
                return (stored, true)
            }
            let detail = String(decoding: try JSONEncoder().encode(event.detail), as: UTF8.self)
            try db.execute(sql: """
                INSERT INTO gate_event (device_id, event_id, kind, checkpoint, lane, at, received_at, detail, snapshot_path, snapshot_sha256)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [event.deviceID, event.eventID, event.kind, event.checkpoint, event.lane, event.at, receivedAt,
                                 detail, event.snapshotPath, event.snapshotSHA256])
            let id = db.lastInsertedRowID
            // Device reports are records of their own; a person opening the gate by hand is an operator action.
            if event.kind == "manual_open" {
                try AuditLog.append(AuditEntry(actor: actor, action: "gate.manual_open", target: "\(event.deviceID)/\(event.eventID)",
                                               detail: ["checkpoint": event.checkpoint, "lane": event.lane,
                                                        "operator": event.detail["operator"] ?? ""], requestID: requestID), in: db)
            }
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM gate_event WHERE id = ?", arguments: [id]) else {
                throw StoreError.failed("gate event \(id) vanished after insert")
            }
            return (GateEventRecord(row: row), false)
        }
    }

    /// A lane's events in a time window, oldest first (what the decisions read).
    public func gateEvents(checkpoint: String, lane: String, from: Date, to: Date) async throws(StoreError) -> [GateEventRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM gate_event WHERE checkpoint = ? AND lane = ? AND at >= ? AND at <= ? ORDER BY at, id
                """, arguments: [checkpoint, lane, from, to]).map(GateEventRecord.init)
        }
    }
}
