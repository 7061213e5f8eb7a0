import Alerting
import Foundation
import GRDB
import Synchronization

/// The daemon's one SQLite database (WAL), shared by the daemon and the CLI.
///
/// Both processes open the same file; WAL lets readers run beside the single
/// writer, and the busy timeout makes a CLI write wait for the daemon's instead
/// of failing. Opening always runs the migrations, which are idempotent.
public final class Store: Sendable {
    public struct Options: Sendable, Equatable {
        /// `FULL` survives power loss; `NORMAL` survives a crash of the process only.
        public var synchronousFull: Bool
        public var busyTimeout: TimeInterval
        public var readOnly: Bool

        public init(synchronousFull: Bool = true, busyTimeout: TimeInterval = 5, readOnly: Bool = false) {
            self.synchronousFull = synchronousFull
            self.busyTimeout = busyTimeout
            self.readOnly = readOnly
        }
    }

    /// File name of the database inside the state directory.
    public static let fileName = "checkpointd.sqlite"

    let pool: DatabasePool
    public let path: String
    /// Batches concurrent scans into shared commits.
    let scanQueue = ScanCommitQueue()
    /// Wakes live streams after commits of passages and alerts.
    public let changes = StoreChanges()
    /// Alert routing rules and case targets (see `configureAlerting`).
    let alerting = Mutex(AlertingSetup())

    /// Opens (creating if needed) the database in `stateDirectory` and migrates it.
    public init(stateDirectory: URL, options: Options = .init()) throws(StoreError) {
        do {
            try FileManager.default.createDirectory(
                at: stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .unavailable(path: stateDirectory.path, reason: "cannot create the state directory: \(error.localizedDescription)")
        }
        path = stateDirectory.appendingPathComponent(Self.fileName).path
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(options.busyTimeout)
        configuration.readonly = options.readOnly
        configuration.label = "checkpointd"
        let synchronous = options.synchronousFull ? "FULL" : "NORMAL"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
        }
        // Database files hold personal data: keep them private to the daemon's user.
        let previousMask = umask(0o077)
        defer { umask(previousMask) }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            if !options.readOnly {
                try Migrations.migrator.migrate(pool)
            }
        } catch {
            throw .unavailable(path: path, reason: String(describing: error))
        }
    }

    /// A cheap round trip for health checks and the watchdog.
    public func ping() async throws(StoreError) {
        try await read { db in _ = try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// The schema version names applied, oldest first.
    public func appliedMigrations() async throws(StoreError) -> [String] {
        try await read { db in try Array(Migrations.migrator.appliedMigrations(db)) }
    }

    /// Closes every connection; later calls fail. Called once at shutdown.
    public func close() throws(StoreError) {
        do { try pool.close() } catch { throw .failed(String(describing: error)) }
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.read(body) } catch { throw StoreError(error) }
    }

    func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.write(body) } catch { throw StoreError(error) }
    }
}
