import Crypto
import Foundation
import Testing
@testable import Registry

/// One row per verdict reason: the spec of what a guard sees.
@Suite struct ScanDeciderTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    /// 2026-05-01 10:00 in Shanghai.
    static let now = Date(timeIntervalSince1970: 1_777_600_800)

    static func card(_ change: (inout EntryCard) -> Void = { _ in }) -> EntryCard {
        var card = EntryCard(id: "0123456789abcdef", holderID: "h1", holderName: "Li Wei",
                             unit: .init(building: "7", entrance: "2", room: "301"), category: .resident,
                             validFrom: now.addingTimeInterval(-86_400), validUntil: now.addingTimeInterval(86_400 * 30),
                             keyID: 1)
        change(&card)
        return card
    }

    static func token(for card: EntryCard, generation: UInt16? = nil) -> CardToken {
        CardToken(category: card.category, keyID: card.keyID, cardID: card.id, generation: generation ?? card.generation,
                  validFrom: card.validFrom, validUntil: card.validUntil, communityID: "demo")
    }

    struct Case: Sendable, CustomStringConvertible {
        let name: String
        var verification: CardKeyring.Verification? = nil
        var card: EntryCard? = ScanDeciderTests.card()
        var history = CardHistory()
        var direction: ScanRequest.Direction = .in
        var checkpoint = "north-gate"
        var antiPassback: ScanPolicy.AntiPassback = .strict
        var now = ScanDeciderTests.now
        var tokenGeneration: UInt16? = nil
        let verdict: Verdict
        let code: ScanReason.Code
        var messageContains: String? = nil
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "valid card", verdict: .allow, code: .ok, messageContains: "valid until 2026-05-31 10:00"),
        Case(name: "unreadable", verification: .malformed, verdict: .deny, code: .malformed, messageContains: "Scan again"),
        Case(name: "forged", verification: .forged, verdict: .alert, code: .forged, messageContains: "call security"),
        Case(name: "retired key", verification: .retiredKey(1), verdict: .deny, code: .unknownKey, messageContains: "reissued"),
        Case(name: "not in registry", card: nil, verdict: .alert, code: .unknownCard),
        Case(name: "revoked", card: card { $0.revokedAt = now.addingTimeInterval(-3600); $0.revokedReason = "moved out" },
             verdict: .deny, code: .revoked, messageContains: "2026-05-01 09:00: moved out"),
        Case(name: "renewed card, old token", tokenGeneration: 1, verdict: .deny, code: .superseded),
        Case(name: "not yet valid", card: card { $0.validFrom = now.addingTimeInterval(3600) },
             verdict: .deny, code: .notYetValid, messageContains: "2026-05-01 11:00"),
        Case(name: "expired", card: card { $0.validUntil = now.addingTimeInterval(-60) },
             verdict: .deny, code: .expired, messageContains: "2026-05-01 09:59"),
        Case(name: "expires exactly now", card: card { $0.validUntil = now }, verdict: .deny, code: .expired),
        Case(name: "wrong checkpoint", card: card { $0.checkpoints = ["south-gate", "east-gate"] },
             verdict: .deny, code: .wrongCheckpoint, messageContains: "south-gate, east-gate"),
        Case(name: "listed checkpoint", card: card { $0.checkpoints = ["north-gate"] }, verdict: .allow, code: .ok),
        Case(name: "outside hours", card: card { $0.allowedHours = AllowedHours("06:00-09:30") },
             verdict: .deny, code: .outsideHours, messageContains: "06:00–09:30 only; it is now 10:00"),
        // 10:00 Shanghai is 02:00 UTC: a check in the wrong zone would deny this.
        Case(name: "inside hours in the community's zone", card: card { $0.allowedHours = AllowedHours("09:00-11:00") },
             verdict: .allow, code: .ok),
        Case(name: "night window over midnight, now 23:30",
             card: card { $0.allowedHours = AllowedHours("22:00-06:00"); $0.validFrom = now.addingTimeInterval(-86_400 * 2) },
             now: now.addingTimeInterval(13.5 * 3600), verdict: .allow, code: .ok),
        Case(name: "night window over midnight, now 10:00", card: card { $0.allowedHours = AllowedHours("22:00-06:00") },
             verdict: .deny, code: .outsideHours),
        Case(name: "window end is exclusive", card: card { $0.allowedHours = AllowedHours("06:00-10:00") },
             verdict: .deny, code: .outsideHours),
        Case(name: "quota used", card: card { $0.quota = Quota(count: 1, days: 2) },
             history: CardHistory(householdPassages: [now.addingTimeInterval(-3600)]), direction: .out,
             verdict: .deny, code: .quotaUsed, messageContains: "next exit allowed from 2026-05-03 09:00"),
        Case(name: "quota freed after the window", card: card { $0.quota = Quota(count: 1, days: 2) },
             history: CardHistory(householdPassages: [now.addingTimeInterval(-2 * 86_400 - 1)]), direction: .out,
             verdict: .allow, code: .ok),
        Case(name: "quota counts only its direction", card: card { $0.quota = Quota(count: 1, days: 2) },
             history: CardHistory(householdPassages: [now.addingTimeInterval(-3600)]), direction: .in,
             verdict: .allow, code: .ok),
        Case(name: "in after in (strict)", history: CardHistory(lastPassage: (.in, now.addingTimeInterval(-600))),
             verdict: .deny, code: .alreadyInside, messageContains: "entered at 2026-05-01 09:50"),
        Case(name: "out after out (strict)", history: CardHistory(lastPassage: (.out, now.addingTimeInterval(-600))),
             direction: .out, verdict: .deny, code: .notInside),
        Case(name: "in after in (warn)", history: CardHistory(lastPassage: (.in, now.addingTimeInterval(-600))),
             antiPassback: .warn, verdict: .allow, code: .alreadyInside, messageContains: "warning"),
        Case(name: "in after in (off)", history: CardHistory(lastPassage: (.in, now.addingTimeInterval(-600))),
             antiPassback: .off, verdict: .allow, code: .ok),
        Case(name: "out after in", history: CardHistory(lastPassage: (.in, now.addingTimeInterval(-600))),
             direction: .out, verdict: .allow, code: .ok),
        Case(name: "first ever out", direction: .out, verdict: .allow, code: .ok),
        Case(name: "revoked beats expired", card: card { $0.revokedAt = now; $0.validUntil = now.addingTimeInterval(-1) },
             verdict: .deny, code: .revoked),
    ]

    @Test(arguments: cases)
    func verdict(for row: Case) {
        let verification = row.verification
            ?? .valid(Self.token(for: row.card ?? Self.card(), generation: row.tokenGeneration))
        var card = row.card
        if row.tokenGeneration != nil { card?.generation = 2 }
        let decision = ScanDecider.decide(
            verification: verification, card: card, history: row.history,
            request: ScanRequest(checkpoint: row.checkpoint, lane: "1", direction: row.direction, token: "CP1:…"),
            policy: ScanPolicy(timeZone: Self.zone, antiPassback: row.antiPassback), now: row.now)
        #expect(decision.verdict == row.verdict)
        #expect(decision.reason.code == row.code)
        if let text = row.messageContains {
            #expect(decision.reason.message.contains(text), "\(decision.reason.message)")
        }
    }

    @Test func allowedHoursParseAndReject() {
        #expect(AllowedHours("06:00-22:00") == AllowedHours(start: 360, end: 1320))
        #expect(AllowedHours("6:00–22:00") == AllowedHours(start: 360, end: 1320))
        #expect(AllowedHours("00:00-24:00") == AllowedHours(start: 0, end: 1440))
        for bad in ["", "06:00", "25:00-26:00", "06:00-06:00", "6-22", "06:60-07:00"] {
            #expect(AllowedHours(bad) == nil, "\(bad)")
        }
    }

    @Test func quotaFreesWhenTheOldestCountedPassageLeavesTheWindow() {
        let quota = Quota(count: 2, days: 1)
        let now = Self.now
        let times = [now.addingTimeInterval(-80_000), now.addingTimeInterval(-3_600), now.addingTimeInterval(-90_000)]
        #expect(quota.freesAt(usedAt: times, now: now) == now.addingTimeInterval(-80_000 + 86_400))
        #expect(quota.freesAt(usedAt: [now.addingTimeInterval(-3_600)], now: now) == nil)
    }
}
