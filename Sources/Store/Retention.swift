import Access
import Foundation
import GRDB

/// What a retention pass removed.
public struct PurgeResult: Sendable, Equatable {
    public var passages: Int
    public var gateEvents: Int
    public var snapshots: Int
}

extension Store {
    /// Deletes personal data past its retention (DESIGN "Privacy and audit"): passages older than `cutoff`
    /// that raised no alert, gate events older than `cutoff`, and the evidence pictures nothing refers to any
    /// more. Passages behind an alert stay (their alert's handling decides when they go). Audited.
    public func purgeExpired(before cutoff: Date) async throws(StoreError) -> PurgeResult {
        let (passages, events, orphans) = try await write { db -> (Int, Int, [String]) in
            let kept = "SELECT passage_id FROM alert WHERE passage_id IS NOT NULL"
            let pictures = try String.fetchAll(db, sql: """
                SELECT snapshot_path FROM passage WHERE at < ? AND snapshot_path IS NOT NULL AND id NOT IN (\(kept))
                UNION SELECT snapshot_path FROM gate_event WHERE at < ? AND snapshot_path IS NOT NULL
                """, arguments: [cutoff, cutoff])
            try db.execute(sql: "DELETE FROM passage WHERE at < ? AND id NOT IN (\(kept))", arguments: [cutoff])
            let passages = db.changesCount
            try db.execute(sql: "DELETE FROM gate_event WHERE at < ?", arguments: [cutoff])
            let events = db.changesCount
            // A picture may be shared (the same JPEG is stored once): keep those still referred to.
            let orphans = try pictures.filter { path in
                try Bool.fetchOne(db, sql: """
                    SELECT EXISTS (SELECT 1 FROM passage WHERE snapshot_path = ?) OR EXISTS (SELECT 1 FROM gate_event WHERE snapshot_path = ?)
                    """, arguments: [path, path]) != true
            }
            if passages + events > 0 {
                try AuditLog.append(AuditEntry(actor: .system, action: "retention.purge", detail: [
                    "before": ISO8601DateFormatter().string(from: cutoff), "passages": String(passages),
                    "gate_events": String(events), "snapshots": String(orphans.count),
                ]), in: db)
            }
            return (passages, events, orphans)
        }
        var removed = 0
        for path in orphans where snapshots.remove(path) { removed += 1 }
        return PurgeResult(passages: passages, gateEvents: events, snapshots: removed)
    }
}
