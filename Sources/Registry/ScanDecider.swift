import Foundation

/// A gate scan as the guard or device sends it.
public struct ScanRequest: Sendable, Equatable {
    public typealias Direction = PassageDirection

    public var checkpoint: String
    public var lane: String
    public var direction: Direction
    public var token: String
    /// Lets a device resend a scan after a lost reply without it counting twice.
    public var eventID: String?

    public init(checkpoint: String, lane: String, direction: Direction, token: String, eventID: String? = nil) {
        self.checkpoint = checkpoint
        self.lane = lane
        self.direction = direction
        self.token = token
        self.eventID = eventID
    }
}

public enum Verdict: String, Sendable, Codable { case allow, deny, alert }

/// Why a scan ended as it did: a stable code for machines and a sentence a guard can act on.
public struct ScanReason: Sendable, Equatable, Codable {
    public enum Code: String, Sendable, Codable, CaseIterable {
        case ok, malformed, forged
        case unknownKey = "unknown_key"
        case unknownCard = "unknown_card"
        case revoked, superseded
        case notYetValid = "not_yet_valid"
        case expired
        case wrongCheckpoint = "wrong_checkpoint"
        case outsideHours = "outside_hours"
        case quotaUsed = "quota_used"
        case alreadyInside = "already_inside"
        case notInside = "not_inside"
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }
}

/// What a scan decided; `counts` says whether it is a passage (for quotas and anti-passback).
public struct ScanDecision: Sendable, Equatable {
    public var verdict: Verdict
    public var reason: ScanReason
    public var counts: Bool { verdict == .allow }

    public init(_ verdict: Verdict, _ code: ScanReason.Code, _ message: String) {
        self.verdict = verdict
        self.reason = ScanReason(code: code, message: message)
    }
}

/// How strictly the community applies its rules.
public struct ScanPolicy: Sendable, Equatable {
    public enum AntiPassback: String, Sendable, CaseIterable {
        /// Deny a second entry without an exit, or an exit without an entry.
        case strict
        /// Allow, but say so (the guard decides).
        case warn
        case off
    }

    public var timeZone: TimeZone
    public var antiPassback: AntiPassback

    public init(timeZone: TimeZone, antiPassback: AntiPassback = .strict) {
        self.timeZone = timeZone
        self.antiPassback = antiPassback
    }
}

/// What the registry knows about a scanned card at the moment of the scan.
public struct CardHistory: Sendable, Equatable {
    /// The card's last counted passage.
    public var lastPassage: (direction: ScanRequest.Direction, at: Date)?
    /// Counted passages of the card's household in the quota's direction, inside the quota window.
    public var householdPassages: [Date]

    public init(lastPassage: (direction: ScanRequest.Direction, at: Date)? = nil, householdPassages: [Date] = []) {
        self.lastPassage = lastPassage
        self.householdPassages = householdPassages
    }

    public static func == (lhs: CardHistory, rhs: CardHistory) -> Bool {
        lhs.lastPassage?.direction == rhs.lastPassage?.direction && lhs.lastPassage?.at == rhs.lastPassage?.at
            && lhs.householdPassages == rhs.householdPassages
    }
}

/// Decides a scan. Pure: the same inputs give the same verdict, so every rule is table-tested.
///
/// Checks run in a fixed order and stop at the first failure: token readable →
/// genuine → key current → card known → not revoked → current generation →
/// started → not expired → this checkpoint → these hours → quota → anti-passback.
public enum ScanDecider {
    public static func decide(
        verification: CardKeyring.Verification, card: EntryCard?, history: CardHistory,
        request: ScanRequest, policy: ScanPolicy, now: Date
    ) -> ScanDecision {
        let time = TimeFormat(zone: policy.timeZone)
        let token: CardToken
        switch verification {
        case .malformed:
            return ScanDecision(.deny, .malformed,
                                "The code could not be read as an entry card. Scan again; if it keeps failing, check ID and send the holder to the office for a new card.")
        case .forged:
            return ScanDecision(.alert, .forged,
                                "Not a genuine card of this community (altered or made up). Do not admit; keep the card and call security.")
        case .retiredKey(let keyID):
            return ScanDecision(.deny, .unknownKey,
                                "The card was signed with key \(keyID), which has been retired. Send the holder to the office to have the card reissued.")
        case .valid(let value):
            token = value
        }
        guard let card else {
            return ScanDecision(.alert, .unknownCard,
                                "Card \(token.cardID) is genuine but not in the registry. Do not admit; call the office.")
        }
        if let revokedAt = card.revokedAt {
            let why = card.revokedReason.map { ": \($0)" } ?? ""
            return ScanDecision(.deny, .revoked,
                                "Card revoked on \(time.dateTime(revokedAt))\(why). Keep the card and send the holder to the office.")
        }
        if token.generation != card.generation {
            return ScanDecision(.deny, .superseded,
                                "This card was renewed and replaced; the holder must use the new card.")
        }
        if now < card.validFrom {
            return ScanDecision(.deny, .notYetValid, "Card valid only from \(time.dateTime(card.validFrom)).")
        }
        if now >= card.validUntil {
            return ScanDecision(.deny, .expired,
                                "Card expired on \(time.dateTime(card.validUntil)). Send the holder to the office to renew it.")
        }
        if !card.checkpoints.isEmpty && !card.checkpoints.contains(request.checkpoint) {
            return ScanDecision(.deny, .wrongCheckpoint,
                                "Card not valid at \(request.checkpoint); valid at: \(card.checkpoints.joined(separator: ", ")).")
        }
        if let hours = card.allowedHours, !hours.contains(now, in: policy.timeZone) {
            return ScanDecision(.deny, .outsideHours,
                                "Card allows passage \(hours) only; it is now \(time.clock(now)).")
        }
        if let quota = card.quota, quota.direction == request.direction,
           let frees = quota.freesAt(usedAt: history.householdPassages, now: now)
        {
            let noun = quota.direction == .out ? "exit" : "entry"
            return ScanDecision(.deny, .quotaUsed,
                                "Household quota used (\(quota.count) \(noun)\(quota.count == 1 ? "" : "s") per \(quota.days) day\(quota.days == 1 ? "" : "s")); next \(noun) allowed from \(time.dateTime(frees)).")
        }
        if policy.antiPassback != .off, let last = history.lastPassage, last.direction == request.direction {
            let code: ScanReason.Code = request.direction == .in ? .alreadyInside : .notInside
            let what = request.direction == .in
                ? "Already inside: entered at \(time.dateTime(last.at)) with no exit since."
                : "No entry recorded since the last exit at \(time.dateTime(last.at))."
            if policy.antiPassback == .strict {
                return ScanDecision(.deny, code, what + " Check with the holder before opening.")
            }
            return ScanDecision(.allow, code, "Allowed with warning. " + what)
        }
        return ScanDecision(.allow, .ok, "\(card.category.rawValue.capitalized) card valid until \(time.dateTime(card.validUntil)).")
    }
}

/// Times as a guard reads them, in the community's zone. Built from calendar
/// components rather than a DateFormatter, which is costly to create on every scan.
struct TimeFormat {
    let zone: TimeZone

    func dateTime(_ date: Date) -> String {
        let parts = components(date)
        return String(format: "%04d-%02d-%02d %02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
                      parts.hour ?? 0, parts.minute ?? 0)
    }

    func clock(_ date: Date) -> String {
        let parts = components(date)
        return String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
    }

    private func components(_ date: Date) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
    }
}
