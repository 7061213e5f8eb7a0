import Access
import Foundation
import GRDB

/// What a retention pass removed.
public struct PurgeResult: Sendable, Equatable {
    public var passages: Int
    public var gateEvents: Int
    public var snapshots: Int
    /// Settled alerts, with their cases, history and deliveries.
    public var alerts: Int = 0
}

extension Store {
    /// Deletes personal data past its retention (DESIGN "Privacy and audit"): alerts last raised before
    /// `cutoff` that are settled (acknowledged or ended; their case, if any, closed or rejected, and every
    /// delivery of it done), with their case, history and deliveries; then passages older than `cutoff` that
    /// no remaining alert refers to, gate events older than `cutoff`, and the evidence pictures nothing refers
    /// to any more. Alerts still waiting for someone stay, and so do their passages. Audited.
    public func purgeExpired(before cutoff: Date) async throws(StoreError) -> PurgeResult {
        let (passages, events, orphans, alerts) = try await write { db -> (Int, Int, [String], Int) in
            let settled = try Int64.fetchAll(db, sql: """
                SELECT a.id FROM alert a LEFT JOIN grid_case c ON c.id = a.case_id
                WHERE COALESCE(a.last_raised_at, a.raised_at) < ?
                  AND (a.acknowledged_at IS NOT NULL OR a.cleared_at IS NOT NULL)
                  AND (c.id IS NULL OR c.state IN ('closed','rejected'))
                  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = c.id AND o.state != 'delivered')
                """, arguments: [cutoff])
            for id in settled {
                if let caseID = try Int64.fetchOne(db, sql: "SELECT case_id FROM alert WHERE id = ?", arguments: [id]) {
                    try db.execute(sql: "DELETE FROM outbox WHERE case_id = ?", arguments: [caseID])
                    try db.execute(sql: "DELETE FROM case_transition WHERE case_id = ?", arguments: [caseID])
                    try db.execute(sql: "UPDATE alert SET case_id = NULL WHERE id = ?", arguments: [id])
                    try db.execute(sql: "DELETE FROM grid_case WHERE id = ?", arguments: [caseID])
                }
                try db.execute(sql: "DELETE FROM alert_event WHERE alert_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM alert WHERE id = ?", arguments: [id])
            }
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
            if passages + events + settled.count > 0 {
                try AuditLog.append(AuditEntry(actor: .system, action: "retention.purge", detail: [
                    "before": ISO8601DateFormatter().string(from: cutoff), "passages": String(passages),
                    "gate_events": String(events), "snapshots": String(orphans.count), "alerts": String(settled.count),
                ]), in: db)
            }
            return (passages, events, orphans, settled.count)
        }
        var removed = 0
        for path in orphans where snapshots.remove(path) { removed += 1 }
        return PurgeResult(passages: passages, gateEvents: events, snapshots: removed, alerts: alerts)
    }
}
