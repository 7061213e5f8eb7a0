import Foundation
import Testing
@testable import Registry

/// Watchlist matching: exact, look-alike and unrelated pairs with their expected hit and cost.
struct WatchlistMatcherTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func entry(_ value: String, _ severity: Severity = .warning, kind: WatchlistEntry.Kind = .plate, id: String? = nil,
                      until: Date? = nil) -> WatchlistEntry {
        WatchlistEntry(id: id ?? value, kind: kind, value: value, reason: "test", severity: severity, validUntil: until,
                       createdBy: "sec", createdAt: now)
    }

    struct Pair: Sendable, CustomTestStringConvertible {
        var read: String
        var listed: String
        var how: WatchlistHit.How?
        var cost: Double?
        var testDescription: String { "\(read) vs \(listed)" }
    }

    @Test(arguments: [
        Pair(read: "京A5R319", listed: "京A5R319", how: .exact, cost: 0),
        Pair(read: "京A5R3I9", listed: "京A5R319", how: .lookalike, cost: 0.5),    // I for 1
        Pair(read: "京ABR3I9", listed: "京A8R319", how: .lookalike, cost: 1.0),    // B for 8 and I for 1
        Pair(read: "京AB3319", listed: "京A8R319", how: nil, cost: nil),          // R for 3 is not a look-alike
        Pair(read: "京A5R31", listed: "京A5R319", how: nil, cost: nil),           // a character missing
        Pair(read: "京A0QQ19", listed: "京AOD019", how: nil, cost: nil),          // three look-alikes: 1.5 > 1.0
        Pair(read: "粤BD27584", listed: "京A5R319", how: nil, cost: nil),         // unrelated
        Pair(read: "ABC123", listed: "A8C123", how: .lookalike, cost: 0.5),
    ])
    func pairs(_ pair: Pair) {
        let hits = WatchlistMatcher().hits(plate: pair.read, in: [Self.entry(pair.listed)], at: Self.now)
        #expect(hits.first?.how == pair.how)
        #expect(hits.first?.cost == pair.cost)
    }

    @Test func aWiderPolicyAllowsOneOtherDifferenceAndSaysSo() {
        let matcher = WatchlistMatcher(policy: .init(lookalikeCost: 0.5, otherCost: 1, threshold: 1))
        let hit = matcher.hits(plate: "京A5R31", in: [Self.entry("京A5R319")], at: Self.now).first
        #expect(hit?.how == .approximate && hit?.cost == 1)
    }

    @Test func exactRanksFirstThenCostThenSeverityAndAlternativesCountALittleMore() {
        let entries = [Self.entry("京ASR319", .warning), Self.entry("京A5R319", .info), Self.entry("京A5R3I9", .critical)]
        let hits = WatchlistMatcher().hits(plate: "京A5R319", in: entries, at: Self.now)
        #expect(hits.map(\.entry.value) == ["京A5R319", "京A5R3I9", "京ASR319"])
        #expect(hits.map(\.how) == [.exact, .lookalike, .lookalike])
        // Same cost (0.5): critical before warning.
        #expect(hits[1].entry.severity == .critical)
        // Only an alternative text of the read matches.
        let viaAlternative = WatchlistMatcher().hits(plate: "粤BD27584", alternatives: ["粤BD27581"],
                                                    in: [Self.entry("粤BD27581")], at: Self.now)
        #expect(viaAlternative.first?.cost == 0.25 && viaAlternative.first?.matched == "粤BD27581")
    }

    @Test func expiredEntriesAndOtherKindsDoNotHit() {
        let entries = [Self.entry("京A5R319", until: Self.now), Self.entry("京A5R319", kind: .card, id: "c")]
        #expect(WatchlistMatcher().hits(plate: "京A5R319", in: entries, at: Self.now).isEmpty)
        #expect(WatchlistMatcher().hits(card: "京A5R319", in: entries, at: Self.now).map(\.entry.id) == ["c"])
        #expect(WatchlistMatcher().hits(plate: "京A5R319", in: entries, at: Self.now.addingTimeInterval(-1)).count == 1)
    }
}
