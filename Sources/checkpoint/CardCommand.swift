import Access
import ArgumentParser
import Cards
import Daemon
import Foundation
import Plates
import Registry
import Server
import Store

/// `checkpoint card issue|list|revoke|renew|verify`
struct CardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card", abstract: "Issue, list, renew, revoke and verify entry cards.",
        subcommands: [Issue.self, List.self, Renew.self, Revoke.self, Verify.self])

    static func office(_ context: OperatorContext) async throws -> CardOffice {
        do {
            return try await CardOffice.open(store: context.store, stateDirectory: context.config.stateDirectory,
                                             settings: context.config.cardSettings)
        } catch {
            throw CLIError(message: "\(error)", code: 73)
        }
    }

    static func fail(_ error: CardOfficeError) -> CLIError {
        switch error {
        case .invalid(let message): return CLIError(message: message, code: 65)
        case .store(.notFound(let what)): return CLIError(message: "no \(what)", code: 65)
        default: return CLIError(message: error.description, code: 1)
        }
    }

    static func date(_ text: String, _ flag: String, zone: TimeZone, endOfDay: Bool = false) throws -> Date {
        if let time = Timestamp.parse(text) { return time }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd"
        guard let day = formatter.date(from: text) else {
            throw CLIError(message: "\(flag) must be a date (2026-12-31) or an ISO 8601 time", code: 64)
        }
        return endOfDay ? day.addingTimeInterval(86_400) : day
    }

    /// The card's details on stderr, its token alone on stdout (so scripts can capture it).
    static func printIssued(_ record: CardRecord) {
        FileHandle.standardError.write(Data((describe(record) + "\n").utf8))
        print(record.token)
    }

    static func describe(_ record: CardRecord) -> String {
        let card = record.card
        var lines = [
            "card      \(card.id)",
            "holder    \(card.holderName), \(card.unit)",
            "category  \(card.category.rawValue)",
            "valid     \(Timestamp.format(card.validFrom)) – \(Timestamp.format(card.validUntil))",
        ]
        if !card.checkpoints.isEmpty { lines.append("at        \(card.checkpoints.joined(separator: ", "))") }
        if let hours = card.allowedHours { lines.append("hours     \(hours)") }
        if let quota = card.quota { lines.append("quota     \(quota.count) \(quota.direction.rawValue) per \(quota.days) day(s)") }
        if let revoked = card.revokedAt { lines.append("revoked   \(Timestamp.format(revoked)): \(card.revokedReason ?? "")") }
        return lines.joined(separator: "\n")
    }

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a holder and issue a card; prints the token for the QR code.")
        @OptionGroup var options: ConfigOption
        @Option(help: "Holder's name.") var name: String
        @Option(help: "Building.") var building: String
        @Option(help: "Entrance (optional).") var entrance: String = ""
        @Option(help: "Room.") var room: String
        @Option(help: "One of: \(CardCategory.names).") var category: String = "resident"
        @Option(help: "First valid day (default: now).") var validFrom: String?
        @Option(help: "Last valid day, inclusive.") var validUntil: String
        @Option(help: "Allowed hours, e.g. 06:00-22:00.") var hours: String?
        @Option(help: "Checkpoint where the card is valid (repeat; default: all).") var checkpoint: [String] = []
        @Option(help: "Registered plate (repeat).") var plate: [String] = []
        @Option(help: "Phone number.") var phone: String?

        func run() async throws {
            try await reportingErrors {
                let context = try OperatorContext.open(options)
                defer { try? context.store.close() }
                let zone = context.config.community.timeZone
                guard let category = CardCategory(rawValue: category) else {
                    throw CLIError(message: "--category must be one of \(CardCategory.names)", code: 64)
                }
                let hours = try self.hours.map { text -> AllowedHours in
                    guard let value = AllowedHours(text) else { throw CLIError(message: "--hours must look like 06:00-22:00", code: 64) }
                    return value
                }
                // Parse everything before writing anything, so a typo leaves no orphan holder behind.
                let from = try validFrom.map { try CardCommand.date($0, "--valid-from", zone: zone) } ?? Date()
                let until = try CardCommand.date(validUntil, "--valid-until", zone: zone, endOfDay: true)
                let office = try await CardCommand.office(context)
                let holder = try await context.store.createHolder(
                    name: name, unit: UnitAddress(building: building, entrance: entrance, room: room), phone: phone,
                    plates: plate.map(PlateText.canonical), by: context.principal)
                do {
                    let record = try await office.issue(CardOffice.CardRequest(
                        holderID: holder.id, category: category, validFrom: from, validUntil: until,
                        checkpoints: checkpoint, allowedHours: hours), by: context.principal)
                    CardCommand.printIssued(record)
                } catch let error as CardOfficeError {
                    throw CardCommand.fail(error)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List cards.")
        @OptionGroup var options: ConfigOption
        @Option(help: "active, revoked, expired or all.") var status: String = "active"

        func run() async throws {
            try await reportingErrors {
                guard let status = CardQuery.Status(rawValue: status) else {
                    throw CLIError(message: "--status must be active, revoked, expired or all", code: 64)
                }
                let context = try OperatorContext.open(options)
                defer { try? context.store.close() }
                let cards = try await context.store.cards(CardQuery(status: status, limit: 500), by: context.principal)
                print(["ID", "CATEGORY", "HOLDER", "UNIT", "VALID UNTIL", "STATE"].joined(separator: "\t"))
                for record in cards {
                    let card = record.card
                    let state = card.revokedAt != nil ? "revoked" : (card.validUntil <= Date() ? "expired" : "active")
                    print([card.id, card.category.rawValue, card.holderName, card.unit.description,
                           Timestamp.format(card.validUntil), state].joined(separator: "\t"))
                }
            }
        }
    }

    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a card a new validity; its old QR code stops working.")
        @OptionGroup var options: ConfigOption
        @Argument(help: "Card id.") var id: String
        @Option(help: "New last valid day, inclusive.") var validUntil: String

        func run() async throws {
            try await reportingErrors {
                let context = try OperatorContext.open(options)
                defer { try? context.store.close() }
                let office = try await CardCommand.office(context)
                do {
                    let until = try CardCommand.date(validUntil, "--valid-until", zone: context.config.community.timeZone, endOfDay: true)
                    let record = try await office.renew(id: id, validFrom: nil, validUntil: until, by: context.principal)
                    CardCommand.printIssued(record)
                } catch let error as CardOfficeError {
                    throw CardCommand.fail(error)
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a card; the next scan is denied.")
        @OptionGroup var options: ConfigOption
        @Argument(help: "Card id.") var id: String
        @Option(help: "Why (shown to the guard).") var reason: String

        func run() async throws {
            try await reportingErrors {
                let context = try OperatorContext.open(options)
                defer { try? context.store.close() }
                let office = try await CardCommand.office(context)
                do {
                    let record = try await office.revoke(id: id, reason: reason, by: context.principal)
                    print(CardCommand.describe(record))
                } catch let error as CardOfficeError {
                    throw CardCommand.fail(error)
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a token offline against exported public keys (GET /api/v1/keys) and, optionally, a revocation list.")
        @Argument(help: "The token (CP1:…).") var token: String
        @Option(help: "JSON from GET /api/v1/keys.") var keys: String
        @Option(help: "JSON from GET /api/v1/revocations.") var revocations: String?

        func run() async throws {
            try await reportingErrors {
                let result = try OfflineVerifier(keysFile: keys, revocationsFile: revocations).verify(token)
                print(result.text)
                if !result.valid { throw ExitCode(1) }
            }
        }
    }
}
