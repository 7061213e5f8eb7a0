import Cards
import Foundation
import Plates
import Registry
import Store

/// JSON shapes of the registry API (snake_case on the wire).
enum RegistryJSON {
    struct Unit: Codable {
        let building: String
        let entrance: String?
        let room: String

        init(building: String, entrance: String?, room: String) {
            self.building = building
            self.entrance = entrance
            self.room = room
        }

        init(_ unit: UnitAddress) {
            building = unit.building
            entrance = unit.entrance.isEmpty ? nil : unit.entrance
            room = unit.room
        }

        func validated(_ field: String) throws -> UnitAddress {
            func clean(_ text: String?, _ name: String, required: Bool) throws -> String {
                let value = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                if required && value.isEmpty { throw APIError.invalid("'\(field).\(name)' is required") }
                guard value.count <= 20, !value.contains("/") else {
                    throw APIError.invalid("'\(field).\(name)' must be at most 20 characters, without '/'")
                }
                return value
            }
            return UnitAddress(building: try clean(building, "building", required: true),
                               entrance: try clean(entrance, "entrance", required: false),
                               room: try clean(room, "room", required: true))
        }
    }

    struct Holder: Encodable {
        let id: String
        let name: String
        let unit: Unit
        let phone: String?
        let plates: [String]
        let createdAt: Date

        init(_ holder: Registry.Holder) {
            id = holder.id
            name = holder.name
            unit = Unit(holder.unit)
            phone = holder.phone
            plates = holder.plates
            createdAt = holder.createdAt
        }
    }

    struct HolderSummary: Encodable {
        let id: String
        let name: String
        let unit: Unit
        let unitLabel: String
    }

    struct QuotaBody: Codable {
        let count: Int
        let days: Int
        let direction: PassageDirection?
    }

    struct Card: Encodable {
        let id: String
        let holder: HolderSummary
        let category: CardCategory
        let status: String
        let validFrom: Date
        let validUntil: Date
        let checkpoints: [String]
        let allowedHours: AllowedHours?
        let quota: QuotaBody?
        let generation: Int
        let keyId: Int
        let token: String
        let issuedAt: Date
        let issuedBy: String
        let renewedAt: Date?
        let revokedAt: Date?
        let revokedReason: String?

        init(_ record: CardRecord, now: Date = Date()) {
            let card = record.card
            id = card.id
            holder = HolderSummary(id: card.holderID, name: card.holderName, unit: Unit(card.unit), unitLabel: card.unit.description)
            category = card.category
            status = CardStatus.of(card, now: now)
            validFrom = card.validFrom
            validUntil = card.validUntil
            checkpoints = card.checkpoints
            allowedHours = card.allowedHours
            quota = card.quota.map { QuotaBody(count: $0.count, days: $0.days, direction: $0.direction) }
            generation = Int(card.generation)
            keyId = Int(card.keyID)
            token = record.token
            issuedAt = record.issuedAt
            issuedBy = record.issuedBy
            renewedAt = record.renewedAt
            revokedAt = card.revokedAt
            revokedReason = card.revokedReason
        }
    }

    struct ScanResult: Encodable {
        struct Reason: Encodable { let code: String; let message: String }
        struct CardSummary: Encodable {
            let id: String
            let category: CardCategory
            let holder: Summary
            struct Summary: Encodable { let name: String; let unit: String }
        }
        let verdict: Verdict
        let reason: Reason
        let card: CardSummary?
        let entryId: Int64
        let at: Date
        let replayed: Bool

        init(_ outcome: ScanOutcome) {
            verdict = outcome.entry.verdict
            reason = Reason(code: outcome.entry.reason.code.rawValue, message: outcome.entry.reason.message)
            card = outcome.card.map {
                CardSummary(id: $0.id, category: $0.category, holder: .init(name: $0.holderName, unit: $0.unit.description))
            }
            entryId = outcome.entry.id
            at = outcome.entry.at
            replayed = outcome.replayed
        }
    }

    struct Entry: Encodable {
        let id: Int64
        let at: Date
        let checkpoint: String
        let lane: String
        let direction: PassageDirection
        let cardId: String?
        let holderName: String?
        let unit: String?
        let category: CardCategory?
        let verdict: Verdict
        let reasonCode: String
        let reasonMessage: String
        let source: String

        init(_ entry: EntryRecord) {
            id = entry.id
            at = entry.at
            checkpoint = entry.checkpoint
            lane = entry.lane
            direction = entry.direction
            cardId = entry.cardID
            holderName = entry.holderName
            unit = entry.unit?.description
            category = entry.category
            verdict = entry.verdict
            reasonCode = entry.reason.code.rawValue
            reasonMessage = entry.reason.message
            source = entry.source
        }
    }
}

enum CardStatus {
    static func of(_ card: EntryCard, now: Date) -> String {
        if card.revokedAt != nil { return "revoked" }
        if now >= card.validUntil { return "expired" }
        if now < card.validFrom { return "not_yet_valid" }
        return "active"
    }
}

/// Field rules shared by the API and the pages.
enum RegistryInput {
    static func name(_ raw: String, field: String = "name") throws -> String {
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(value.count) else { throw APIError.invalid("'\(field)' must be 1 to 100 characters") }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.invalid("'\(field)' must not contain control characters")
        }
        return value
    }

    static func phone(_ raw: String?) throws -> String? {
        guard let raw else { return nil }
        let value = raw.trimmingCharacters(in: .whitespaces)
        if value.isEmpty { return nil }
        guard value.count <= 20, value.allSatisfy({ $0.isNumber || "+- ()".contains($0) }) else {
            throw APIError.invalid("'phone' must be at most 20 digits, spaces, '+', '-' or brackets")
        }
        return value
    }

    static func plates(_ raw: [String]?) throws -> [String] {
        try (raw ?? []).map { text in
            let plate = PlateText.canonical(text)
            guard PlateText.isPlausible(plate) else { throw APIError.invalid("'\(text)' is not a plate number") }
            return plate
        }
    }

    static func checkpoints(_ raw: [String]?) throws -> [String] {
        try (raw ?? []).map { text in
            let id = text.trimmingCharacters(in: .whitespaces)
            guard (1...64).contains(id.count), id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw APIError.invalid("checkpoint ids are 1–64 letters, digits, '-' or '_'; got '\(text)'")
            }
            return id
        }
    }

    static func cardID(_ text: String) throws -> String {
        guard CardToken.isCardID(text) else { throw APIError.notFound("no card with id \(text)") }
        return text
    }
}

extension CardOfficeError {
    /// The HTTP answer for a failed card operation.
    var apiError: APIError {
        switch self {
        case .invalid(let message): return .invalid(message)
        case .keyUnavailable: return .unavailable("card signing is unavailable; see the server log")
        case .store(.notFound(let what)): return .notFound("no \(what)")
        case .store(.conflict(let what)): return .conflict(what)
        case .store: return .internalError
        }
    }
}
