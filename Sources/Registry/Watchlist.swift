import Foundation
import Plates

/// How serious a watchlist hit is; it sets the alert's severity.
public enum Severity: String, Sendable, Equatable, CaseIterable, Codable, Comparable {
    case info, warning, critical

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One entry of the community's watchlist: a plate or a card to look out for, and why.
public struct WatchlistEntry: Sendable, Equatable, Identifiable {
    public enum Kind: String, Sendable, Equatable, CaseIterable, Codable {
        case plate, card
    }

    public var id: String
    public var kind: Kind
    /// Canonical plate text, or a card id.
    public var value: String
    public var reason: String
    public var severity: Severity
    public var validUntil: Date?
    public var createdBy: String
    public var createdAt: Date

    public init(id: String, kind: Kind, value: String, reason: String, severity: Severity, validUntil: Date? = nil,
                createdBy: String, createdAt: Date) {
        self.id = id
        self.kind = kind
        self.value = value
        self.reason = reason
        self.severity = severity
        self.validUntil = validUntil
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    public func isActive(at time: Date) -> Bool {
        validUntil.map { time < $0 } ?? true
    }
}

/// A watchlist hit and how it matched, so the person who sees the alert can judge it.
public struct WatchlistHit: Sendable, Equatable {
    public enum How: String, Sendable, Equatable, Codable {
        /// The read is the listed value.
        case exact
        /// The read differs only by look-alike characters (0/O/D, 8/B, …).
        case lookalike
        /// The read differs by more than look-alikes, within the configured cost.
        case approximate
    }

    public var entry: WatchlistEntry
    public var how: How
    /// The matching cost (0 for exact).
    public var cost: Double
    /// The text that matched (the voted read or one of its alternatives).
    public var matched: String
}

/// Matches plate reads against the plate entries of a watchlist, tolerating the
/// reader's confusions at an explicit cost: a look-alike swap costs
/// `lookalikeCost`, any other difference `otherCost`; a hit needs a total at or
/// below `threshold`. Exact hits rank first, then by cost, then by severity.
public struct WatchlistMatcher: Sendable {
    public struct Policy: Sendable, Equatable {
        public var lookalikeCost: Double
        public var otherCost: Double
        public var threshold: Double
        /// Added when the match is with one of the reader's alternative texts rather than its best.
        public var alternativeCost: Double

        /// By default two look-alikes may differ; any other difference is no hit (a wrong alert at the
        /// gate costs more than a late one).
        public init(lookalikeCost: Double = 0.5, otherCost: Double = 1.5, threshold: Double = 1.0,
                    alternativeCost: Double = 0.25) {
            self.lookalikeCost = lookalikeCost
            self.otherCost = otherCost
            self.threshold = threshold
            self.alternativeCost = alternativeCost
        }
    }

    public let policy: Policy
    private let distance: PlateDistance

    public init(policy: Policy = Policy()) {
        self.policy = policy
        distance = PlateDistance(confusable: policy.lookalikeCost, substitution: policy.otherCost, gap: policy.otherCost)
    }

    /// Hits for a plate `text` (and the reader's `alternatives`, best first) among active plate entries.
    public func hits(plate text: String, alternatives: [String] = [], in entries: [WatchlistEntry], at time: Date) -> [WatchlistHit] {
        var hits: [WatchlistHit] = []
        for entry in entries where entry.kind == .plate && entry.isActive(at: time) {
            var best: WatchlistHit?
            for (index, candidate) in ([text] + alternatives).enumerated() {
                let extra = index == 0 ? 0 : policy.alternativeCost
                let cost = distance(candidate, entry.value) + extra
                guard cost <= policy.threshold else { continue }
                let how: WatchlistHit.How = cost == 0 ? .exact
                    : candidate.count == entry.value.count && zip(candidate, entry.value).allSatisfy(Confusions.confusable)
                        ? .lookalike : .approximate
                if best == nil || cost < best!.cost { best = WatchlistHit(entry: entry, how: how, cost: cost, matched: candidate) }
            }
            if let best { hits.append(best) }
        }
        return hits.sorted { ($0.cost, $1.entry.severity, $0.entry.id) < ($1.cost, $0.entry.severity, $1.entry.id) }
    }

    /// Hits for a scanned card id among active card entries (exact only: card ids are not read by a camera).
    public func hits(card id: String, in entries: [WatchlistEntry], at time: Date) -> [WatchlistHit] {
        entries.filter { $0.kind == .card && $0.value == id && $0.isActive(at: time) }
            .sorted { ($1.severity, $0.id) < ($0.severity, $1.id) }
            .map { WatchlistHit(entry: $0, how: .exact, cost: 0, matched: id) }
    }
}
