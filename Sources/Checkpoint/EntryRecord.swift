import Foundation
import Registry

/// The checkpoint's verdict on one passage, worst first when combined.
public enum EntryVerdict: String, Sendable, Equatable, Codable, CaseIterable, Comparable {
    /// Nothing to act on.
    case allowed
    /// Someone should look (an unregistered vehicle at night, a plate not on the card, a forced gate…).
    case flagged
    /// The card was refused.
    case denied
    /// A watchlist hit or a watchlisted card: security acts now.
    case alert

    public static func < (lhs: EntryVerdict, rhs: EntryVerdict) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One explained reason behind a verdict: a stable code, a sentence for the guard, and whether it needs action.
public struct EntryReason: Sendable, Equatable {
    public enum Code: String, Sendable, Equatable, Codable, CaseIterable {
        case registeredVehicle = "registered_vehicle"
        case unregisteredVehicle = "unregistered_vehicle"
        case unregisteredClosedHours = "unregistered_closed_hours"
        case watchlistHit = "watchlist_hit"
        case cardAllowed = "card_allowed"
        case cardDenied = "card_denied"
        case cardAlert = "card_alert"
        case plateNotOnCard = "plate_not_on_card"
        case openedWithoutCredential = "opened_without_credential"
        case manualOpen = "manual_open"
        case tailgating
        case gateForced = "gate_forced"
        case gateHeldOpen = "gate_held_open"
    }

    public var code: Code
    public var message: String
    public var severity: Severity
    /// Whether this reason is raised as an alert record (flags and hits), not just explained.
    public var raisesAlert: Bool

    public init(_ code: Code, _ message: String, severity: Severity = .info, raisesAlert: Bool = false) {
        self.code = code
        self.message = message
        self.severity = severity
        self.raisesAlert = raisesAlert
    }
}

/// One passage through one lane, explained: what came through, what it showed, and what the checkpoint made of it.
public struct EntryRecord: Sendable, Equatable {
    public var checkpoint: String
    public var lane: String
    public var direction: PassageDirection?
    public var at: Date
    public var vehicle: VehicleSighting?
    public var registration: VehicleRegistration?
    public var card: CardScan?
    public var verdict: EntryVerdict
    public var reasons: [EntryReason]
    /// How the plate or card matched the watchlist, for the alert's evidence.
    public var hits: [WatchlistHit]

    /// The reasons that become alert records.
    public var alerts: [EntryReason] { reasons.filter(\.raisesAlert) }
}
