import Access
import Capture
import Cards
import Checkpoint
import Config
import Delivery
import Foundation
import Hummingbird
import Logging
import Prometheus
import Registry
import Server
import ServiceLifecycle
import Store

/// The daemon's assembly: load config, open the store, run the services until
/// SIGTERM/SIGINT, then close the store. `main` only parses flags and calls this.
public struct Daemon {
    /// Exit statuses from sysexits(3), so a unit can tell a bad config (no restart) from a crash.
    public enum ExitCode: Int32 {
        case ok = 0
        case failure = 1
        case config = 78
        case cannotCreate = 73
    }

    public static let version = "0.1.0"

    let configPath: String
    let environment: [String: String]
    let makeLogger: @Sendable (String, Logger.Level) -> Logger

    public init(configPath: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                makeLogger: @escaping @Sendable (String, Logger.Level) -> Logger) {
        self.configPath = configPath
        self.environment = environment
        self.makeLogger = makeLogger
    }

    public func run() async -> ExitCode {
        let loader = ConfigLoader(environment: environment)
        let config: DaemonConfig
        do {
            config = try loader.load(path: configPath)
        } catch {
            makeLogger("checkpointd", .info).critical("invalid configuration: \(error)")
            return .config
        }
        let logger = makeLogger("checkpointd", Logger.Level(config.logLevel))
        let notifier = SystemdNotifier(environment: environment)

        let store: Store
        do {
            store = try Store(stateDirectory: config.stateDirectory, options: .init(
                synchronousFull: config.store.synchronous == .full, busyTimeout: config.store.busyTimeoutSeconds))
        } catch {
            logger.critical("cannot open the store: \(error)")
            return .cannotCreate
        }
        defer {
            do { try store.close() } catch { logger.error("closing the store failed: \(error)") }
        }

        do {
            try await prepareAccess(config: config, store: store, logger: logger)
        } catch {
            logger.critical("cannot prepare API tokens: \(error)")
            return .failure
        }

        let cards: CardOffice
        do {
            cards = try await CardOffice.open(store: store, stateDirectory: config.stateDirectory, settings: config.cardSettings)
        } catch {
            logger.critical("cannot open the card registry: \(error)")
            return .cannotCreate
        }

        // The plate models load before any camera starts: a bad file is a clear error now, not at the first frame.
        let models: PlateModels
        do {
            models = try PlateModels.bundled()
        } catch {
            logger.critical("cannot load the plate reader: \(error)")
            return .cannotCreate
        }
        store.configureAlerting(Self.alertingSetup(config))
        let outbox = OutboxWorker(store: store, targets: config.alerting.targets,
                                  logger: makeLogger("checkpointd.delivery", Logger.Level(config.logLevel)))
        let analysisLogger = makeLogger("checkpointd.analysis", Logger.Level(config.logLevel))
        let desk = PassageDesk(store: store, policy: CheckpointPolicy(timeZone: config.community.timeZone), logger: analysisLogger)
        let snapshotQuality = config.capture.snapshotQuality
        LibAVLogging.quiet()
        let cameras = CameraSupervisor(
            settings: CaptureSettings(queueFrames: config.capture.queueFrames, environment: environment),
            analyser: { camera in
                PlateAnalyser(camera: camera, models: models, desk: desk, snapshots: store.snapshots, jpegQuality: snapshotQuality,
                              logger: analysisLogger)
            },
            events: CameraAlertRecorder(store: store, logger: logger),
            logger: makeLogger("checkpointd.capture", Logger.Level(config.logLevel)))
        await Self.followCameras(config, cameras: cameras, store: store, logger: logger)

        let live = LiveConfiguration(initial: config, loader: loader, store: store, notifier: notifier, logger: logger)
        await live.observe { config in cards.update(config.cardSettings) }
        await live.observe { config in
            store.configureAlerting(Self.alertingSetup(config))
            outbox.update(config.alerting.targets)
        }
        await live.observe { config in await Self.followCameras(config, cameras: cameras, store: store, logger: logger) }
        let registry = PrometheusCollectorRegistry()
        let health = DaemonHealth(store: store, configuration: live, notifier: notifier, cameras: cameras,
                                  startedAt: .now, version: Self.version)
        let dependencies = ServerDependencies(
            store: store, cards: cards, metrics: registry, health: health, reloader: live,
            maxBodyBytes: config.http.maxBodyBytes, sessionLifetime: .seconds(config.cards.sessionHours * 3600),
            cameras: cameras, snapshotQuality: config.capture.snapshotQuality,
            sightings: PushedPlates(desk: desk, logger: analysisLogger))
        let address = config.listen.address
        let server = APIServer.application(
            dependencies, address: address, port: config.listen.port, logger: makeLogger("checkpointd.http", Logger.Level(config.logLevel))
        ) { port in
            logger.notice("listening", metadata: ["address": "\(address)", "port": "\(port)"])
            notifier.notify(["READY=1", "STATUS=listening on \(address):\(port)", "MAINPID=\(getpid())"])
        }

        let libraries = LibraryVersions.all.map { "\($0.name) \($0.version)" }.joined(separator: ", ")
        logger.notice("starting checkpointd \(Self.version)", metadata: [
            "community": "\(config.community.id)", "cameras": "\(config.cameras.count)", "libraries": "\(libraries)",
        ])
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: server),
                .init(service: cameras),
                .init(service: ReloadService(reloader: live)),
                .init(service: SystemdService(notifier: notifier, store: store, logger: logger)),
                .init(service: RetentionService(store: store, days: { await live.current.retention.days }, logger: logger)),
                .init(service: EscalationService(store: store, logger: logger)),
                .init(service: outbox),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch {
            logger.critical("stopped on error: \(error)")
            return .failure
        }
        logger.notice("stopped")
        return .ok
    }

    /// The store's alert routing from `alerts:` and `cases:`.
    static func alertingSetup(_ config: DaemonConfig) -> AlertingSetup {
        AlertingSetup(rules: config.alerting.rules, targets: config.alerting.targets.map(\.target), community: config.community.id)
    }

    /// Starts, stops and restarts cameras to match `config`; alerts of cameras no
    /// longer watched (or open from before a restart) are closed, and re-raised if the condition persists.
    static func followCameras(_ config: DaemonConfig, cameras: CameraSupervisor, store: Store, logger: Logger) async {
        let (started, stopped) = cameras.apply(config.cameras)
        let restarted = Set(started).union(stopped)
        do {
            let unchanged = Set(config.cameras.filter(\.enabled).map(\.id)).subtracting(restarted)
            try await store.clearCameraAlerts(exceptCameras: unchanged, at: Date())
        } catch {
            logger.error("cannot close old camera alerts: \(error)")
        }
    }

    /// Makes config-provisioned tokens match the file and, on a store without an
    /// active admin, mints one and writes it (0600) where the admin can read it once.
    func prepareAccess(config: DaemonConfig, store: Store, logger: Logger) async throws {
        try await store.syncProvisionedTokens(config.tokens.map(\.provisioned), by: .system)
        if try await !store.hasUsers() {
            let file = config.bootstrap.adminPasswordFile
                ?? config.stateDirectory.appendingPathComponent("bootstrap-admin.password")
            let password = APIToken.mint().secret.dropFirst(APIToken.prefix.count).prefix(20)
            try SecretFile.write(password + "\n", to: file)
            _ = try await store.createUser(name: "admin", role: .admin, passwordHash: try PasswordHash.make(String(password)),
                                           by: .system)
            logger.notice("no staff users existed; created user 'admin' and wrote its password to a file readable only by this user",
                          metadata: ["file": "\(file.path)"])
        }
        guard try await !store.hasActiveAdmin() else { return }
        let file = config.bootstrap.adminTokenFile
            ?? config.stateDirectory.appendingPathComponent("bootstrap-admin.token")
        let minted = APIToken.mint()
        try SecretFile.write(minted.secret + "\n", to: file)
        _ = try await store.createToken(name: "bootstrap-admin", role: .admin, digest: minted.digest,
                                        source: .bootstrap, by: .system)
        logger.notice("no admin token existed; created 'bootstrap-admin' and wrote it to a file readable only by this user",
                      metadata: ["file": "\(file.path)"])
    }
}

extension Logger.Level {
    init(_ level: DaemonConfig.LogLevel) {
        self = Logger.Level(rawValue: level.rawValue) ?? .info
    }
}

extension DaemonConfig {
    /// The card office's view of the configuration.
    public var cardSettings: CardOffice.Settings {
        CardOffice.Settings(
            communityID: community.id, communityName: community.name,
            policy: ScanPolicy(timeZone: community.timeZone,
                               antiPassback: ScanPolicy.AntiPassback(rawValue: cards.antiPassback.rawValue) ?? .strict))
    }
}
