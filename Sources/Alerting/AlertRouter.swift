import Foundation

/// The facts of an alert that routing looks at.
public struct AlertFacts: Sendable, Equatable {
    public var kind: String
    public var severity: AlertSeverity
    public var checkpoint: String?
    /// What the alert is about — a plate, a card or a camera; alerts about the same subject may merge.
    public var subject: String?
    public var at: Date

    public init(kind: String, severity: AlertSeverity, checkpoint: String?, subject: String?, at: Date) {
        self.kind = kind
        self.severity = severity
        self.checkpoint = checkpoint
        self.subject = subject
        self.at = at
    }

    /// Alerts with equal keys within the window are one alert.
    public var dedupKey: String? {
        subject.map { [kind, checkpoint ?? "", $0].joined(separator: "\u{1F}") }
    }
}

/// An alert already stored, as routing sees it.
public struct OpenAlert: Sendable, Equatable {
    public var id: Int64
    public var severity: AlertSeverity
    public var raisedAt: Date
    /// When it was last raised again (merged) or escalated.
    public var lastRaisedAt: Date
    public var escalatedAt: Date?
    public var escalations: Int
    public var acknowledged: Bool

    public init(id: Int64, severity: AlertSeverity, raisedAt: Date, lastRaisedAt: Date, escalatedAt: Date? = nil,
                escalations: Int = 0, acknowledged: Bool = false) {
        self.id = id
        self.severity = severity
        self.raisedAt = raisedAt
        self.lastRaisedAt = lastRaisedAt
        self.escalatedAt = escalatedAt
        self.escalations = escalations
        self.acknowledged = acknowledged
    }
}

/// Pure routing decisions, so every rule is table-tested with a chosen clock.
public enum AlertRouter {
    public enum Decision: Sendable, Equatable {
        /// The same alert again within the window: count it on the existing one.
        case repeatOf(Int64)
        /// A new alert with this action; `announce` is false in quiet hours.
        case raise(AlertAction, announce: Bool)
    }

    /// `latest` is the newest stored alert with the same de-duplication key, if any.
    public static func decide(_ alert: AlertFacts, latest: OpenAlert?, rules: AlertRules) -> Decision {
        if let latest, alert.at.timeIntervalSince(latest.lastRaisedAt) <= rules.dedupWindow,
           alert.at >= latest.raisedAt.addingTimeInterval(-rules.dedupWindow) {
            return .repeatOf(latest.id)
        }
        return .raise(rules.action(kind: alert.kind, severity: alert.severity, checkpoint: alert.checkpoint),
                      announce: rules.announces(severity: alert.severity, checkpoint: alert.checkpoint, at: alert.at))
    }

    public struct Escalation: Sendable, Equatable {
        public var id: Int64
        public var severity: AlertSeverity
        public var level: Int
    }

    /// The unacknowledged warning and critical alerts due to escalate at `now`: each waits `escalateAfter` from
    /// its raising (then from its last escalation) and escalates at most `maxEscalations` times.
    public static func escalations(_ alerts: [OpenAlert], rules: AlertRules, now: Date) -> [Escalation] {
        guard let after = rules.escalateAfter else { return [] }
        return alerts.compactMap { alert in
            guard !alert.acknowledged, alert.severity >= .warning, alert.escalations < rules.maxEscalations,
                  now.timeIntervalSince(alert.escalatedAt ?? alert.raisedAt) >= after else { return nil }
            return Escalation(id: alert.id, severity: alert.severity.raised, level: alert.escalations + 1)
        }
    }
}
