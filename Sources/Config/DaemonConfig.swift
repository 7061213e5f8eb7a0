import Access
import Foundation

/// Everything `checkpointd.yaml` and `cameras/*.yaml` say, validated.
///
/// Built only by `ConfigLoader`, so holding one means every key was checked.
public struct DaemonConfig: Sendable, Equatable {
    /// The file this configuration was read from (absolute).
    public var file: URL
    public var listen: Listen
    /// Where the database, keys and snapshots live.
    public var stateDirectory: URL
    public var community: Community
    public var retention: Retention
    public var logLevel: LogLevel
    public var http: HTTPLimits
    public var store: StoreSettings
    public var bootstrap: Bootstrap
    /// Tokens provisioned by configuration management (digests only).
    public var tokens: [ProvisionedToken]
    public var camerasDirectory: URL
    public var cameras: [CameraConfig]
    public var cards: Cards
    public var capture: Capture
    /// Alert routing and case delivery (`alerts:`, `cases:`).
    public var alerting: AlertingConfig = AlertingConfig()

    /// Settings shared by all cameras.
    public struct Capture: Sendable, Equatable {
        /// JPEG quality of camera snapshots served by the API.
        public var snapshotQuality: Int
        /// Frames waiting for analysis per camera before the oldest is dropped.
        public var queueFrames: Int
    }

    /// How entry-card scans are judged.
    public struct Cards: Sendable, Equatable {
        public enum AntiPassback: String, Sendable, Equatable, CaseIterable { case strict, warn, off }
        /// A second entry without an exit (or an exit without an entry): deny, allow with a warning, or ignore.
        public var antiPassback: AntiPassback
        /// How long a staff page sign-in lasts.
        public var sessionHours: Int
    }

    public struct Listen: Sendable, Equatable {
        public var address: String
        /// 0 asks the kernel for a free port (tests, benchmarks).
        public var port: Int
    }

    public struct Community: Sendable, Equatable {
        /// Short stable id, carried inside entry-card tokens.
        public var id: String
        /// Display name for pages and printed cards.
        public var name: String
        /// IANA zone for allowed hours and day boundaries, e.g. `Asia/Shanghai`.
        public var timeZone: TimeZone
    }

    public struct Retention: Sendable, Equatable {
        /// Days to keep plate reads and snapshots that matched nothing.
        public var days: Int
    }

    public enum LogLevel: String, Sendable, Equatable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    public struct HTTPLimits: Sendable, Equatable {
        /// Largest request body accepted; larger bodies get 413.
        public var maxBodyBytes: Int
    }

    public struct StoreSettings: Sendable, Equatable {
        public enum Synchronous: String, Sendable, Equatable, CaseIterable {
            /// fsync on every commit: survives power loss (default).
            case full
            /// fsync at checkpoints: survives a crash of the process, not of the machine.
            case normal
        }
        public var synchronous: Synchronous
        /// How long a writer waits for a lock held by another process (the CLI) before failing.
        public var busyTimeoutSeconds: Double
    }

    public struct Bootstrap: Sendable, Equatable {
        /// Where the first admin token is written (0600) when the store has no active admin.
        public var adminTokenFile: URL?
        /// Where the first admin user's password is written (0600) when the store has no users.
        public var adminPasswordFile: URL?
    }

    public struct ProvisionedToken: Sendable, Equatable {
        public var name: String
        public var role: Role
        /// SHA-256 (hex) of the token text; the text itself never appears in config.
        public var sha256: String
    }
}
