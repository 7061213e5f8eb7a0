import GRDB

/// Group commit for scans: scans that arrive while a commit is in progress wait,
/// then all go into the next write transaction, each in its own savepoint.
///
/// Decisions stay exactly as if each scan had its own transaction (they run one
/// after another on the single writer connection and see each other's rows), but
/// a burst at several lanes costs one fsync instead of one per scan. A scan whose
/// work throws is rolled back alone; the others in the batch still commit.
actor ScanCommitQueue {
    struct Job: Sendable {
        let work: @Sendable (Database) throws -> ScanOutcome
        let continuation: CheckedContinuation<ScanOutcome, any Error>
    }

    private var pending: [Job] = []
    private var draining = false
    /// Upper bound on scans per transaction, so one commit never holds the writer for long.
    static let maxBatch = 256

    func submit(pool: DatabasePool, _ work: @escaping @Sendable (Database) throws -> ScanOutcome) async throws -> ScanOutcome {
        try await withCheckedThrowingContinuation { continuation in
            pending.append(Job(work: work, continuation: continuation))
            if !draining {
                draining = true
                Task { await self.drain(pool) }
            }
        }
    }

    private func drain(_ pool: DatabasePool) async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(Self.maxBatch))
            pending.removeFirst(batch.count)
            let results: [Result<ScanOutcome, any Error>]
            do {
                results = try await pool.write { db in
                    batch.map { job in
                        Result {
                            var outcome: ScanOutcome?
                            try db.inSavepoint {
                                outcome = try job.work(db)
                                return .commit
                            }
                            return outcome!
                        }
                    }
                }
            } catch {
                results = batch.map { _ in .failure(error) }
            }
            for (job, result) in zip(batch, results) { job.continuation.resume(with: result) }
        }
        draining = false
    }
}
