import Foundation
import Registry

/// When a checkpoint lets unregistered vehicles in without a flag.
public struct CheckpointPolicy: Sendable, Equatable {
    public var timeZone: TimeZone
    /// Hours in which an unregistered vehicle is normal (deliveries, visitors); nil: always.
    public var openHours: AllowedHours?

    public init(timeZone: TimeZone, openHours: AllowedHours? = nil) {
        self.timeZone = timeZone
        self.openHours = openHours
    }

    public func isOpen(at time: Date) -> Bool {
        openHours?.contains(time, in: timeZone) ?? true
    }
}

/// What the decider knows besides the passage: who may drive in, what to look out for.
public struct DecisionContext: Sendable {
    public var registrations: [String: [VehicleRegistration]]
    public var watchlist: [WatchlistEntry]
    public var matcher: WatchlistMatcher
    public var policy: CheckpointPolicy

    public init(registrations: [VehicleRegistration], watchlist: [WatchlistEntry], matcher: WatchlistMatcher = WatchlistMatcher(),
                policy: CheckpointPolicy) {
        self.registrations = Dictionary(grouping: registrations, by: \.plate)
        self.watchlist = watchlist
        self.matcher = matcher
        self.policy = policy
    }

    /// The registration of `plate` valid at `time`, if any (exact text only: a registration opens the gate).
    public func registration(of plate: String, at time: Date) -> VehicleRegistration? {
        registrations[plate]?.first { $0.isValid(at: time) }
    }
}

/// Turns a passage into entry records, one per vehicle (or one for a passage without a vehicle), each with
/// its verdict and every reason behind it. Pure: the same passage and context give the same records.
public enum EntryDecider {
    public static func decide(_ passage: Passage, context: DecisionContext) -> [EntryRecord] {
        guard let start = passage.at else { return [] }
        let vehicles = passage.vehicles.sorted { $0.at < $1.at }
        let scans = passage.scans.sorted { $0.at < $1.at }
        let openings = passage.gate.filter { $0.kind == .opened || $0.kind == .manualOpen }.count
        let manual = passage.gate.filter { $0.kind == .manualOpen }
        var records: [EntryRecord] = []
        for index in 0..<max(1, vehicles.count) {
            let vehicle = index < vehicles.count ? vehicles[index] : nil
            // Scans pair with vehicles in the order they happened; a scan with no vehicle stands alone.
            let card = index < scans.count ? scans[index] : nil
            let at = vehicle?.at ?? card?.at ?? start
            var reasons: [EntryReason] = []
            var hits: [WatchlistHit] = []
            var registration: VehicleRegistration?

            if let vehicle {
                hits = context.matcher.hits(plate: vehicle.plate, alternatives: vehicle.alternatives, in: context.watchlist, at: at)
                for hit in hits {
                    reasons.append(EntryReason(.watchlistHit, "\(hit.entry.value) is on the watchlist (\(hit.entry.reason)); "
                        + "matched \(hit.how.rawValue)" + (hit.how == .exact ? "" : " as \(hit.matched), cost \(hit.cost)"),
                        severity: hit.entry.severity, raisesAlert: true))
                }
                registration = context.registration(of: vehicle.plate, at: at)
                if let registration {
                    reasons.append(EntryReason(.registeredVehicle, "\(vehicle.plate) is registered (\(registration.owner))"))
                } else if card?.decision.verdict != .allow {
                    if context.policy.isOpen(at: at) {
                        reasons.append(EntryReason(.unregisteredVehicle, "\(vehicle.plate) is not registered (open hours)"))
                    } else {
                        reasons.append(EntryReason(.unregisteredClosedHours,
                            "\(vehicle.plate) is not registered and came outside open hours", severity: .warning, raisesAlert: true))
                    }
                }
            }
            if let card {
                switch card.decision.verdict {
                case .allow:
                    reasons.append(EntryReason(.cardAllowed, "card \(card.cardID): \(card.decision.reason.message)"))
                case .deny:
                    reasons.append(EntryReason(.cardDenied, "card \(card.cardID) refused: \(card.decision.reason.message)",
                                               severity: .warning))
                case .alert:
                    reasons.append(EntryReason(.cardAlert, "card \(card.cardID): \(card.decision.reason.message)",
                                               severity: .critical, raisesAlert: true))
                }
                let plateOnCard = vehicle.map { v in
                    card.holderPlates.contains { context.matcher.hits(plate: v.plate, in: [Self.plateEntry($0)], at: at).first != nil }
                }
                if let vehicle, plateOnCard == false {
                    reasons.append(EntryReason(.plateNotOnCard,
                        "\(vehicle.plate) is not among the plates of card \(card.cardID)"
                            + (card.holderPlates.isEmpty ? " (the card has none)" : " (\(card.holderPlates.joined(separator: ", ")))"),
                        severity: .warning, raisesAlert: true))
                }
            }
            if index < manual.count {
                let open = manual[index]
                reasons.append(EntryReason(.manualOpen, "opened by hand by \(open.operatorName ?? "unknown"): \(open.reason ?? "no reason given")"))
            } else if openings > 0, index < openings, registration == nil, card?.decision.verdict != .allow {
                reasons.append(EntryReason(.openedWithoutCredential, "the gate opened without an accepted card or a registered plate",
                                           severity: .warning, raisesAlert: true))
            }
            if vehicle != nil, openings > 0, index >= openings {
                reasons.append(EntryReason(.tailgating, "vehicle \(index + 1) through \(openings == 1 ? "one opening" : "\(openings) openings")",
                                           severity: .warning, raisesAlert: true))
            }
            if index == 0 {
                for signal in passage.gate where signal.kind == .forced {
                    reasons.append(EntryReason(.gateForced, "the gate was forced (\(signal.device))", severity: .critical, raisesAlert: true))
                }
                for signal in passage.gate where signal.kind == .heldOpen {
                    reasons.append(EntryReason(.gateHeldOpen, "the gate was held open (\(signal.device))", severity: .warning, raisesAlert: true))
                }
            }
            records.append(EntryRecord(checkpoint: passage.checkpoint, lane: passage.lane, direction: passage.direction, at: at,
                                       vehicle: vehicle, registration: registration, card: card,
                                       verdict: verdict(reasons), reasons: reasons, hits: hits))
        }
        return records
    }

    static func verdict(_ reasons: [EntryReason]) -> EntryVerdict {
        reasons.map { reason -> EntryVerdict in
            switch reason.code {
            case .watchlistHit, .cardAlert: .alert
            case .cardDenied: .denied
            default: reason.raisesAlert ? .flagged : .allowed
            }
        }.max() ?? .allowed
    }

    /// A card's plate as a watchlist-style entry, so "is this the card's plate" tolerates the same look-alikes.
    private static func plateEntry(_ plate: String) -> WatchlistEntry {
        WatchlistEntry(id: plate, kind: .plate, value: plate, reason: "", severity: .info, createdBy: "", createdAt: .distantPast)
    }
}
