import Access
import Foundation
import GRDB
import Registry

/// One passage attempt as recorded: every scan, allowed or not, becomes one.
public struct EntryRecord: Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var checkpoint: String
    public var lane: String
    public var direction: PassageDirection
    public var cardID: String?
    public var holderName: String?
    public var unit: UnitAddress?
    public var category: CardCategory?
    public var verdict: Verdict
    public var reason: ScanReason
    public var source: String
}

/// What a scan produced: the decision, the card it was about, the entry written.
public struct ScanOutcome: Sendable, Equatable {
    public var entry: EntryRecord
    public var card: EntryCard?
    /// True when this was a resend of an event already recorded (nothing new was written).
    public var replayed: Bool
}

extension Store {
    /// Decides and records a scan in one write transaction, so concurrent scans of
    /// one household are serialised and a quota can never be counted twice.
    ///
    /// Scans that arrive together share one commit (see `ScanCommitQueue`): one fsync for
    /// many scans, with exactly the decisions they would get one transaction each.
    public func recordScan(_ request: ScanRequest, verification: CardKeyring.Verification, policy: ScanPolicy,
                           by actor: Principal, now: Date = Date()) async throws(StoreError) -> ScanOutcome {
        do {
            return try await scanQueue.submit(pool: pool) { db in
                try Self.recordScan(request, verification: verification, policy: policy, by: actor, now: now, in: db)
            }
        } catch {
            throw StoreError(error)
        }
    }

    static func recordScan(_ request: ScanRequest, verification: CardKeyring.Verification, policy: ScanPolicy,
                           by actor: Principal, now: Date, in db: Database) throws -> ScanOutcome {
        do {
            if let eventID = request.eventID, let existing = try Row.fetchOne(db, sql: """
                SELECT id FROM entry WHERE source_id = ? AND event_id = ?
                """, arguments: [actor.id, eventID]) {
                let id: Int64 = existing["id"]
                let entry = try EntryRows.fetch(id: id, in: db)!
                let card = try entry.cardID.flatMap { try CardRows.fetch(id: $0, in: db)?.card }
                return ScanOutcome(entry: entry, card: card, replayed: true)
            }
            var card: EntryCard?
            var history = CardHistory()
            if case .valid(let token) = verification {
                card = try CardRows.fetch(id: token.cardID, in: db)?.card
            }
            if let card {
                if let last = try Row.fetchOne(db, sql: """
                    SELECT direction, at FROM entry WHERE card_id = ? AND counted = 1 ORDER BY id DESC LIMIT 1
                    """, arguments: [card.id]) {
                    history.lastPassage = (PassageDirection(rawValue: last["direction"]) ?? .in, last["at"])
                }
                if let quota = card.quota {
                    history.householdPassages = try Date.fetchAll(db, sql: """
                        SELECT at FROM entry WHERE household = ? AND direction = ? AND counted = 1 AND at > ?
                        """, arguments: [card.unit.householdKey, quota.direction.rawValue,
                                         now.addingTimeInterval(-Double(quota.days) * 86_400)])
                }
            }
            let decision = ScanDecider.decide(verification: verification, card: card, history: history,
                                              request: request, policy: policy, now: now)
            try db.execute(sql: """
                INSERT INTO entry (at, checkpoint, lane, direction, card_id, holder_id, household, verdict, reason_code,
                                   reason_message, counted, source_kind, source_id, source_name, event_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    now, request.checkpoint, request.lane, request.direction.rawValue, card?.id, card?.holderID,
                    card?.unit.householdKey, decision.verdict.rawValue, decision.reason.code.rawValue,
                    decision.reason.message, decision.counts ? 1 : 0, actor.kind.rawValue, actor.id, actor.name,
                    request.eventID,
                ])
            let entry = try EntryRows.fetch(id: db.lastInsertedRowID, in: db)!
            return ScanOutcome(entry: entry, card: card, replayed: false)
        }
    }

    /// The last entries at a lane (or a whole checkpoint), newest first. Audited: they name people.
    public func entries(checkpoint: String, lane: String?, limit: Int, by actor: Principal,
                        requestID: String? = nil) async throws(StoreError) -> [EntryRecord] {
        try await write { db in
            var sql = "SELECT id FROM entry WHERE checkpoint = ?"
            var arguments: StatementArguments = [checkpoint]
            if let lane { sql += " AND lane = ?"; arguments += [lane] }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments += [max(1, min(limit, 200))]
            let ids = try Int64.fetchAll(db, sql: sql, arguments: arguments)
            var detail = ["checkpoint": checkpoint]
            if let lane { detail["lane"] = lane }
            try AuditLog.append(AuditEntry(actor: actor, action: "entry.list", detail: detail, requestID: requestID), in: db)
            return try ids.compactMap { try EntryRows.fetch(id: $0, in: db) }
        }
    }
}

enum EntryRows {
    static func fetch(id: Int64, in db: Database) throws -> EntryRecord? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT e.*, h.name AS holder_name, h.building, h.entrance, h.room, c.category
            FROM entry e LEFT JOIN holder h ON h.id = e.holder_id LEFT JOIN card c ON c.id = e.card_id
            WHERE e.id = ?
            """, arguments: [id]) else { return nil }
        var unit: UnitAddress?
        if let building = row["building"] as String? {
            unit = UnitAddress(building: building, entrance: row["entrance"] ?? "", room: row["room"] ?? "")
        }
        return EntryRecord(
            id: row["id"], at: row["at"], checkpoint: row["checkpoint"], lane: row["lane"],
            direction: PassageDirection(rawValue: row["direction"]) ?? .in, cardID: row["card_id"],
            holderName: row["holder_name"], unit: unit,
            category: (row["category"] as String?).flatMap(CardCategory.init(rawValue:)),
            verdict: Verdict(rawValue: row["verdict"]) ?? .deny,
            reason: ScanReason(code: ScanReason.Code(rawValue: row["reason_code"]) ?? .malformed, message: row["reason_message"]),
            source: row["source_name"])
    }
}
