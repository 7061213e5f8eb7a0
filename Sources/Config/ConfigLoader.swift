import Access
import Foundation
import Yams

/// Reads and validates `checkpointd.yaml` and the camera files beside it.
///
/// Relative paths in the file are resolved against the file's own folder, so a
/// configuration folder can be moved as a whole. Loading never half-succeeds:
/// it returns a complete `DaemonConfig` or throws the first `ConfigError`.
public struct ConfigLoader: Sendable {
    /// Process environment, injected so tests need not mutate the real one.
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func load(path: String) throws(ConfigError) -> DaemonConfig {
        let file = URL(fileURLWithPath: path).standardizedFileURL
        let root = try Self.parse(file: file)
        let folder = file.deletingLastPathComponent()
        let top = try root.mapping(allowed: [
            "listen", "state_directory", "community", "retention", "log_level", "http", "store",
            "bootstrap", "tokens", "cameras_directory", "cards", "capture", "alerts", "cases",
        ])

        let listenMap = try top.required("listen").mapping(allowed: ["address", "port"])
        let address = try listenMap["address"]?.string() ?? "127.0.0.1"
        let listen = DaemonConfig.Listen(
            address: address, port: try listenMap["port"]?.int(in: 0...65535) ?? 8080)

        let stateDirectory: URL
        if let node = top["state_directory"] {
            stateDirectory = Self.resolve(try node.string(), against: folder)
        } else if let fromSystemd = environment["STATE_DIRECTORY"]?.split(separator: ":").first {
            // systemd's StateDirectory= hands the path over in this variable.
            stateDirectory = URL(fileURLWithPath: String(fromSystemd))
        } else {
            throw ConfigError(file: root.file, line: root.line, key: "state_directory",
                              message: "is required (or run under systemd with StateDirectory=)")
        }

        let communityNode = try top.required("community")
        let communityMap = try communityNode.mapping(allowed: ["id", "name", "timezone"])
        let zoneNode = try communityMap.required("timezone")
        guard let zone = TimeZone(identifier: try zoneNode.string()) else {
            throw zoneNode.error("must be an IANA time zone such as Asia/Shanghai, got '\(try zoneNode.string())'")
        }
        let community = DaemonConfig.Community(
            id: try communityMap.required("id").identifier(),
            name: try communityMap.required("name").string(),
            timeZone: zone)

        let retentionMap = try top["retention"]?.mapping(allowed: ["days"])
        let retention = DaemonConfig.Retention(days: try retentionMap?["days"]?.int(in: 1...3650) ?? 30)

        let logLevel = try top["log_level"]?.oneOf(DaemonConfig.LogLevel.self) ?? .info

        let httpMap = try top["http"]?.mapping(allowed: ["max_body_bytes"])
        let http = DaemonConfig.HTTPLimits(
            maxBodyBytes: try httpMap?["max_body_bytes"]?.int(in: 1024...(64 << 20)) ?? (1 << 20))

        let storeMap = try top["store"]?.mapping(allowed: ["synchronous", "busy_timeout_seconds"])
        let store = DaemonConfig.StoreSettings(
            synchronous: try storeMap?["synchronous"]?.oneOf(DaemonConfig.StoreSettings.Synchronous.self) ?? .full,
            busyTimeoutSeconds: try storeMap?["busy_timeout_seconds"]?.double(in: 0.1...120) ?? 5)

        let bootstrapMap = try top["bootstrap"]?.mapping(allowed: ["admin_token_file", "admin_password_file"])
        let adminTokenFile = try bootstrapMap?["admin_token_file"].map { node throws(ConfigError) in
            Self.resolve(try node.string(), against: stateDirectory)
        }
        let adminPasswordFile = try bootstrapMap?["admin_password_file"].map { node throws(ConfigError) in
            Self.resolve(try node.string(), against: stateDirectory)
        }

        let cardsMap = try top["cards"]?.mapping(allowed: ["anti_passback", "session_hours"])
        let cards = DaemonConfig.Cards(
            antiPassback: try cardsMap?["anti_passback"]?.oneOf(DaemonConfig.Cards.AntiPassback.self) ?? .strict,
            sessionHours: try cardsMap?["session_hours"]?.int(in: 1...168) ?? 12)

        let captureMap = try top["capture"]?.mapping(allowed: ["snapshot_quality", "queue_frames"])
        let capture = DaemonConfig.Capture(
            snapshotQuality: try captureMap?["snapshot_quality"]?.int(in: 10...100) ?? 85,
            queueFrames: try captureMap?["queue_frames"]?.int(in: 1...50) ?? 2)

        var tokens: [DaemonConfig.ProvisionedToken] = []
        for item in try top["tokens"]?.list() ?? [] {
            let map = try item.mapping(allowed: ["name", "role", "sha256"])
            let roleNode = try map.required("role")
            guard let role = Role(name: try roleNode.string()) else {
                throw roleNode.error("must be one of \(Role.names), got '\(try roleNode.string())'")
            }
            let digestNode = try map.required("sha256")
            let digest = try digestNode.string().lowercased()
            guard APIToken.isDigest(digest) else {
                throw digestNode.error("must be the 64-digit hex SHA-256 of the token (`checkpoint token hash`), never the token itself")
            }
            let name = try map.required("name").string()
            if tokens.contains(where: { $0.name == name }) {
                throw item.error("token name '\(name)' is used twice")
            }
            tokens.append(.init(name: name, role: role, sha256: digest))
        }

        let camerasDirectory = Self.resolve(try top["cameras_directory"]?.string() ?? "cameras", against: folder)
        let cameras = try CameraLoader(environment: environment).loadFolder(camerasDirectory)

        let alerting = try AlertingConfigLoader.load(alerts: top["alerts"], cases: top["cases"], folder: folder,
                                                     timeZone: community.timeZone, environment: environment)

        var config = DaemonConfig(
            file: file, listen: listen, stateDirectory: stateDirectory, community: community,
            retention: retention, logLevel: logLevel, http: http, store: store,
            bootstrap: .init(adminTokenFile: adminTokenFile, adminPasswordFile: adminPasswordFile), tokens: tokens,
            camerasDirectory: camerasDirectory, cameras: cameras, cards: cards, capture: capture)
        config.alerting = alerting
        return config
    }

    /// Parses one YAML file into a located root node.
    static func parse(file: URL) throws(ConfigError) -> ConfigNode {
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw ConfigError(file: file.path, message: "cannot be read: \(Self.reason(error))")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.describe(error, file: file.path)
        } catch {
            throw ConfigError(file: file.path, message: "is not valid YAML: \(error)")
        }
        guard let node else { throw ConfigError(file: file.path, message: "is empty") }
        return ConfigNode(node: node, file: file.path, path: "")
    }

    static func resolve(_ path: String, against folder: URL) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL }
        return folder.appendingPathComponent(path).standardizedFileURL
    }

    private static func describe(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
            return ConfigError(file: file, line: mark.line, message: "is not valid YAML: \(problem)")
        case .composer(_, let problem, let mark, _):
            return ConfigError(file: file, line: mark.line, message: "is not valid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, _):
            return ConfigError(file: file, key: duplicates.joined(separator: ", "), message: "appears twice in the same mapping")
        default:
            let firstLine = "\(error)".split(separator: "\n").first.map(String.init) ?? "unreadable"
            return ConfigError(file: file, message: "is not valid YAML: \(firstLine)")
        }
    }

    static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}
