import Foundation
import Registry

/// How urgent an alert is; ordered, so rules can say "warning and above".
public enum AlertSeverity: String, Sendable, Equatable, CaseIterable, Codable, Comparable {
    case info, warning, critical

    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
    var rank: Int { Self.allCases.firstIndex(of: self)! }
    /// One step up, for escalation; critical stays critical.
    public var raised: Self { self == .info ? .warning : .critical }
}

/// Where an alert goes once stored.
public enum AlertAction: String, Sendable, Equatable, CaseIterable, Codable {
    /// Listed and pushed live to the security centre.
    case live
    /// Live, and a case is opened for it at once (and delivered to the grid case system).
    case openCase = "case"
    /// Listed only: no live notification (e.g. informational kinds).
    case record
}

/// The community's alert routing, from `alerts:` in checkpointd.yaml: which alerts go live, which open a case,
/// quiet hours, de-duplication and escalation. Value type, swapped whole on reload.
public struct AlertRules: Sendable, Equatable {
    /// One routing rule; the first rule that matches an alert decides its action.
    public struct Rule: Sendable, Equatable {
        /// Alert kinds (`watchlist_hit`, `tailgating`, `camera_offline`, …); nil = any.
        public var kinds: Set<String>?
        /// The least severity the rule applies to; nil = any.
        public var minSeverity: AlertSeverity?
        /// Checkpoints the rule applies to; nil = all.
        public var checkpoints: Set<String>?
        public var action: AlertAction

        public init(kinds: Set<String>? = nil, minSeverity: AlertSeverity? = nil, checkpoints: Set<String>? = nil, action: AlertAction) {
            self.kinds = kinds
            self.minSeverity = minSeverity
            self.checkpoints = checkpoints
            self.action = action
        }

        func matches(kind: String, severity: AlertSeverity, checkpoint: String?) -> Bool {
            if let kinds, !kinds.contains(kind) { return false }
            if let minSeverity, severity < minSeverity { return false }
            if let checkpoints, !checkpoints.contains(checkpoint ?? "") { return false }
            return true
        }
    }

    public var rules: [Rule]
    /// What applies when no rule matches.
    public var defaultAction: AlertAction
    /// Quiet hours per checkpoint ("*" = every checkpoint without its own): alerts below `critical` are stored
    /// and listed but not announced (no sound, no notification).
    public var quietHours: [String: AllowedHours]
    public var timeZone: TimeZone
    /// The same kind for the same plate, card or camera at the same checkpoint within this many seconds of the
    /// last one is one alert with a counter, not a new one.
    public var dedupWindow: TimeInterval
    /// An unacknowledged `warning` or `critical` alert escalates after this long: its severity goes up one step
    /// and it is announced again; it escalates at most `maxEscalations` times. nil = never.
    public var escalateAfter: TimeInterval?
    public var maxEscalations: Int

    public init(rules: [Rule] = Self.defaultRules, defaultAction: AlertAction = .live, quietHours: [String: AllowedHours] = [:],
                timeZone: TimeZone = .current, dedupWindow: TimeInterval = 600, escalateAfter: TimeInterval? = 300,
                maxEscalations: Int = 3) {
        self.rules = rules
        self.defaultAction = defaultAction
        self.quietHours = quietHours
        self.timeZone = timeZone
        self.dedupWindow = dedupWindow
        self.escalateAfter = escalateAfter
        self.maxEscalations = maxEscalations
    }

    /// Critical alerts open a case; the rest go live.
    public static let defaultRules = [Rule(minSeverity: .critical, action: .openCase)]

    public func action(kind: String, severity: AlertSeverity, checkpoint: String?) -> AlertAction {
        rules.first { $0.matches(kind: kind, severity: severity, checkpoint: checkpoint) }?.action ?? defaultAction
    }

    /// Whether an alert of `severity` raised at `time` is announced (quiet hours silence all but critical).
    public func announces(severity: AlertSeverity, checkpoint: String?, at time: Date) -> Bool {
        guard severity < .critical, let hours = quietHours[checkpoint ?? ""] ?? quietHours["*"] else { return true }
        return !hours.contains(time, in: timeZone)
    }
}

/// Where cases are delivered (`cases.targets` in checkpointd.yaml); the store writes one outbox row per target
/// and event, the delivery worker knows the addresses and secrets.
public struct CaseTarget: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable, Codable {
        /// Open311 GeoReport v2: a service request per case; its status is polled and mirrored.
        case open311
        /// A signed JSON POST per case event.
        case webhook
    }

    public var name: String
    public var kind: Kind

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// Whether this target is told about `event` (Open311 has no updates: it gets the opening only).
    public func receives(_ event: String) -> Bool { kind == .webhook || event == "case.opened" }
}
