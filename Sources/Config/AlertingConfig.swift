import Alerting
import Foundation
import Registry

/// `alerts:` and `cases:` of checkpointd.yaml: how alerts are routed, and where cases are delivered.
public struct AlertingConfig: Sendable, Equatable {
    public var rules: AlertRules
    public var targets: [CaseTargetConfig]

    public init(rules: AlertRules = AlertRules(), targets: [CaseTargetConfig] = []) {
        self.rules = rules
        self.targets = targets
    }
}

/// One delivery target of cases, with its address and secret (read from a file or the environment at load).
public struct CaseTargetConfig: Sendable, Equatable {
    public struct Open311: Sendable, Equatable {
        /// The GeoReport v2 base, e.g. https://grid.example.gov/open311/v2 (requests.json is appended).
        public var endpoint: URL
        public var apiKey: String
        public var serviceCode: String
        public var jurisdictionID: String?
        /// `address_string` sent with each request (default: the community's name and the checkpoint).
        public var address: String?
        public var latitude: Double?
        public var longitude: Double?
        /// How often open cases' status is read back.
        public var pollSeconds: Double
    }

    public struct Webhook: Sendable, Equatable {
        public var url: URL
        /// HMAC-SHA256 key of `X-Checkpoint-Signature`.
        public var secret: Data
    }

    public var name: String
    public var open311: Open311?
    public var webhook: Webhook?
    public var timeoutSeconds: Double

    public var target: CaseTarget { CaseTarget(name: name, kind: open311 != nil ? .open311 : .webhook) }
}

enum AlertingConfigLoader {
    static func load(alerts: ConfigNode?, cases: ConfigNode?, folder: URL, timeZone: TimeZone,
                     environment: [String: String]) throws(ConfigError) -> AlertingConfig {
        var rules = AlertRules(timeZone: timeZone)
        if let alerts {
            let map = try alerts.mapping(allowed: ["rules", "default_action", "quiet_hours", "dedup_minutes", "escalate_after_minutes",
                                                   "max_escalations"])
            if let node = map["rules"] {
                rules.rules = try node.list().map { item throws(ConfigError) in
                    let rule = try item.mapping(allowed: ["kinds", "min_severity", "checkpoints", "action"])
                    return AlertRules.Rule(
                        kinds: try rule["kinds"].map { node throws(ConfigError) in Set(try node.list().map { n throws(ConfigError) in try n.string() }) },
                        minSeverity: try rule["min_severity"]?.oneOf(AlertSeverity.self),
                        checkpoints: try rule["checkpoints"].map { node throws(ConfigError) in
                            Set(try node.list().map { n throws(ConfigError) in try n.string() })
                        },
                        action: try rule.required("action").oneOf(AlertAction.self))
                }
            }
            rules.defaultAction = try map["default_action"]?.oneOf(AlertAction.self) ?? .live
            for (checkpoint, node) in try map["quiet_hours"]?.namedEntries() ?? [] {
                guard let hours = AllowedHours(try node.string()) else {
                    throw node.error("must be a daily window such as 23:00-06:00, got '\(try node.string())'")
                }
                rules.quietHours[checkpoint] = hours
            }
            rules.dedupWindow = Double(try map["dedup_minutes"]?.int(in: 0...1440) ?? 10) * 60
            let escalate = try map["escalate_after_minutes"]?.int(in: 0...1440) ?? 5
            rules.escalateAfter = escalate == 0 ? nil : Double(escalate) * 60
            rules.maxEscalations = try map["max_escalations"]?.int(in: 1...10) ?? 3
        }
        var targets: [CaseTargetConfig] = []
        if let cases {
            let map = try cases.mapping(allowed: ["targets"])
            for item in try map["targets"]?.list() ?? [] {
                let target = try Self.target(item, folder: folder, environment: environment)
                if targets.contains(where: { $0.name == target.name }) { throw item.error("target name '\(target.name)' is used twice") }
                if target.open311 != nil, targets.contains(where: { $0.open311 != nil }) {
                    throw item.error("only one open311 target is supported (the grid case system mirrors one status per case)")
                }
                targets.append(target)
            }
        }
        return AlertingConfig(rules: rules, targets: targets)
    }

    private static func target(_ item: ConfigNode, folder: URL, environment: [String: String]) throws(ConfigError) -> CaseTargetConfig {
        let map = try item.mapping(allowed: ["name", "kind", "endpoint", "url", "api_key_file", "api_key_env", "service_code",
                                             "jurisdiction_id", "address", "lat", "long", "poll_seconds", "secret_file", "secret_env",
                                             "timeout_seconds"])
        let name = try map.required("name").identifier()
        let kind = try map.required("kind").oneOf(CaseTarget.Kind.self)
        let timeout = try map["timeout_seconds"]?.double(in: 1...120) ?? 10
        func url(_ key: String) throws(ConfigError) -> URL {
            let node = try map.required(key)
            let text = try node.string()
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw node.error("must be an http:// or https:// address, got '\(text)'")
            }
            return url
        }
        func secret(file: String, env: String) throws(ConfigError) -> String {
            if let node = map[file] {
                let path = ConfigLoader.resolve(try node.string(), against: folder)
                do {
                    return try String(contentsOf: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                } catch {
                    throw node.error("cannot be read: \(ConfigLoader.reason(error))")
                }
            }
            if let node = map[env] {
                let variable = try node.string()
                guard let value = environment[variable], !value.isEmpty else {
                    throw node.error("names the environment variable \(variable), which is not set")
                }
                return value
            }
            throw item.error("needs \(file) or \(env)")
        }
        switch kind {
        case .open311:
            return CaseTargetConfig(
                name: name,
                open311: .init(endpoint: try url("endpoint"), apiKey: try secret(file: "api_key_file", env: "api_key_env"),
                               serviceCode: try map.required("service_code").string(),
                               jurisdictionID: try map["jurisdiction_id"]?.string(), address: try map["address"]?.string(),
                               latitude: try map["lat"]?.double(in: -90...90), longitude: try map["long"]?.double(in: -180...180),
                               pollSeconds: try map["poll_seconds"]?.double(in: 1...3600) ?? 60),
                webhook: nil, timeoutSeconds: timeout)
        case .webhook:
            let key = try secret(file: "secret_file", env: "secret_env")
            guard key.utf8.count >= 16 else { throw item.error("the webhook secret must be at least 16 characters") }
            return CaseTargetConfig(name: name, open311: nil, webhook: .init(url: try url("url"), secret: Data(key.utf8)),
                                    timeoutSeconds: timeout)
        }
    }
}
