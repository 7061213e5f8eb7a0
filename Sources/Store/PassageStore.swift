import Access
import Checkpoint
import Foundation
import GRDB
import Registry

/// A stored passage: the checkpoint's explained record of one vehicle (or card) through one lane.
public struct StoredPassage: Sendable, Equatable {
    public struct Reason: Sendable, Equatable, Codable {
        public var code: String
        public var message: String
        public var severity: String
        public var alert: Bool
    }

    public var id: Int64
    public var checkpoint: String
    public var lane: String
    public var direction: String?
    public var at: Date
    public var recordedAt: Date
    public var plate: String?
    public var plateConfidence: Double?
    /// The camera or device that read the plate.
    public var plateSource: String?
    public var plateAlternatives: [String]
    /// The plate's colour (blue, yellow, green, white, black), when it was told.
    public var plateColour: String?
    public var snapshotPath: String?
    public var snapshotSHA256: String?
    public var cardID: String?
    public var holderID: String?
    /// Who the plate is registered to, when it is.
    public var registeredAs: String?
    public var verdict: EntryVerdict
    public var reasons: [Reason]

    init(row: Row) {
        id = row["id"]
        checkpoint = row["checkpoint"]
        lane = row["lane"]
        direction = row["direction"]
        at = row["at"]
        recordedAt = row["recorded_at"]
        plate = row["plate"]
        plateConfidence = row["plate_confidence"]
        plateSource = row["plate_source"]
        let alternatives: String? = row["plate_alternatives"]
        plateAlternatives = alternatives.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
        plateColour = row["plate_colour"]
        snapshotPath = row["snapshot_path"]
        snapshotSHA256 = row["snapshot_sha256"]
        cardID = row["card_id"]
        holderID = row["holder_id"]
        registeredAs = row["registered_as"]
        verdict = EntryVerdict(rawValue: row["verdict"]) ?? .flagged
        let reasonsText: String = row["reasons"]
        reasons = (try? JSONDecoder().decode([Reason].self, from: Data(reasonsText.utf8))) ?? []
    }
}

/// What a passage listing looks for; each given field narrows it. Newest first, paged by `beforeID`;
/// with `afterID`, oldest first from just after that id (what a live stream reads when woken).
public struct PassageQuery: Sendable, Equatable {
    public var since: Date?
    public var until: Date?
    public var checkpoint: String?
    public var lane: String?
    public var plate: String?
    public var verdict: EntryVerdict?
    public var beforeID: Int64?
    public var afterID: Int64?
    public var limit: Int

    public init(since: Date? = nil, until: Date? = nil, checkpoint: String? = nil, lane: String? = nil, plate: String? = nil,
                verdict: EntryVerdict? = nil, beforeID: Int64? = nil, afterID: Int64? = nil, limit: Int = 50) {
        self.since = since
        self.until = until
        self.checkpoint = checkpoint
        self.lane = lane
        self.plate = plate
        self.verdict = verdict
        self.beforeID = beforeID
        self.afterID = afterID
        self.limit = limit
    }
}

extension Store {
    /// Stores a decided passage and an alert for every reason that raises one, in one transaction; watchlist
    /// hits are audited. A second call with the same `sourceKey` returns the first passage and no new alerts.
    public func recordPassage(_ record: Checkpoint.EntryRecord, sourceKey: String, recordedAt: Date = Date())
        async throws(StoreError) -> (passage: StoredPassage, alerts: [AlertRecord], duplicate: Bool) {
        let setup = alertingSetup
        let result = try await write { db -> (passage: StoredPassage, alerts: [AlertRecord], duplicate: Bool) in
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM passage WHERE source_key = ?", arguments: [sourceKey]) {
                return (StoredPassage(row: row), [], true)
            }
            let reasons = record.reasons.map {
                StoredPassage.Reason(code: $0.code.rawValue, message: $0.message, severity: $0.severity.rawValue, alert: $0.raisesAlert)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let reasonsText = String(decoding: try encoder.encode(reasons), as: UTF8.self)
            let alternatives = record.vehicle.map { String(decoding: try! encoder.encode($0.alternatives), as: UTF8.self) }
            try db.execute(sql: """
                INSERT INTO passage (checkpoint, lane, direction, at, recorded_at, plate, plate_confidence, plate_source,
                    plate_alternatives, plate_colour, snapshot_path, snapshot_sha256, card_id, holder_id, registered_as, verdict, reasons,
                    source_key)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    record.checkpoint, record.lane, record.direction?.rawValue, record.at, recordedAt, record.vehicle?.plate,
                    record.vehicle?.confidence, record.vehicle?.source, alternatives, record.vehicle?.colour?.rawValue,
                    record.vehicle?.snapshot?.path,
                    record.vehicle?.snapshot?.sha256, record.card?.cardID, record.card?.holderID ?? record.registration?.holderID,
                    record.registration?.owner, record.verdict.rawValue, reasonsText, sourceKey,
                ])
            let id = db.lastInsertedRowID
            var alerts: [AlertRecord] = []
            for reason in record.alerts {
                var evidence = ["passage_id": String(id)]
                if let plate = record.vehicle?.plate { evidence["plate"] = plate }
                if let colour = record.vehicle?.colour { evidence["plate_colour"] = colour.rawValue }
                if let snapshot = record.vehicle?.snapshot?.path { evidence["snapshot"] = snapshot }
                if let card = record.card?.cardID { evidence["card_id"] = card }
                if reason.code == .watchlistHit, let hit = record.hits.first(where: { reason.message.hasPrefix($0.entry.value) }) {
                    evidence["watchlist_entry"] = hit.entry.id
                    evidence["matched"] = hit.how.rawValue
                    evidence["matched_text"] = hit.matched
                    evidence["cost"] = String(hit.cost)
                }
                let severity = AlertRecord.Severity(rawValue: reason.severity.rawValue) ?? .warning
                // The same plate (or card) flagged again within the window counts on the first alert.
                var (alert, repeated) = try Self.raise(
                    NewAlert(kind: reason.code.rawValue, severity: severity, raisedAt: record.at, checkpoint: record.checkpoint,
                             lane: record.lane, cameraID: record.vehicle?.source, message: reason.message, evidence: evidence),
                    subject: record.vehicle?.plate ?? record.card?.cardID, setup: setup, in: db)
                if !repeated {
                    try db.execute(sql: "UPDATE alert SET passage_id = ? WHERE id = ?", arguments: [id, alert.id])
                    alert.passageID = id
                }
                alerts.append(alert)
            }
            for hit in record.hits {
                try AuditLog.append(AuditEntry(actor: .system, action: "watchlist.hit", target: hit.entry.id,
                                               detail: ["passage_id": String(id), "matched": hit.how.rawValue, "text": hit.matched]), in: db)
            }
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM passage WHERE id = ?", arguments: [id]) else {
                throw StoreError.failed("passage \(id) vanished after insert")
            }
            return (StoredPassage(row: row), alerts, false)
        }
        if !result.duplicate {
            changes.committed(.passage)
            if !result.alerts.isEmpty {
                changes.committed(.alert)
                changes.committed(.outbox)
            }
        }
        return result
    }

    /// One passage; the look-up is audited.
    public func passage(id: Int64, by actor: Principal, requestID: String? = nil) async throws(StoreError) -> StoredPassage? {
        try await write { db in
            try AuditLog.append(AuditEntry(actor: actor, action: "passage.read", target: String(id), requestID: requestID), in: db)
            return try Row.fetchOne(db, sql: "SELECT * FROM passage WHERE id = ?", arguments: [id]).map(StoredPassage.init)
        }
    }

    /// Passages, newest first (oldest first after `afterID`); the look-up and its terms are audited (plates
    /// are personal data). `actor` nil reads unaudited: only for a live stream whose opening was audited.
    public func passages(_ query: PassageQuery, by actor: Principal?, requestID: String? = nil) async throws(StoreError) -> [StoredPassage] {
        var listing = Listing()
        listing.add("at >= ?", query.since)
        listing.add("at < ?", query.until)
        listing.add("checkpoint = ?", query.checkpoint, audit: "checkpoint")
        listing.add("lane = ?", query.lane, audit: "lane")
        listing.add("plate = ?", query.plate, audit: "plate")
        listing.add("verdict = ?", query.verdict?.rawValue, audit: "verdict")
        return try await listing.fetch(from: "passage", before: query.beforeID, after: query.afterID, limit: query.limit, store: self,
                                       actor: actor, action: "passage.search", requestID: requestID, StoredPassage.init)
    }
}
