import Access
import ArgumentParser
import Foundation
import Server
import Store

/// `checkpoint token create|list|revoke|hash`
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage API tokens (works while the daemon runs).",
        subcommands: [Create.self, List.self, Revoke.self, Hash.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mint a token and print it once; only its SHA-256 is stored.")
        @OptionGroup var options: ConfigOption
        @Option(help: "One of: \(Role.names).") var role: String
        @Option(help: "Who or what holds the token, e.g. 'gate-1-barrier'.") var name: String
        @Option(help: "Days until the token expires (default: never).") var expiresInDays: Int?

        func run() async throws {
            try await reportingErrors {
                guard let role = Role(name: role) else {
                    throw CLIError(message: "--role must be one of \(Role.names)", code: 64)
                }
                let name: String
                do { name = try TokenName.validate(self.name) } catch let error as APIError {
                    throw CLIError(message: error.message.replacingOccurrences(of: "'name'", with: "--name"), code: 64)
                }
                var expiry: Date?
                if let days = expiresInDays {
                    guard (1...3650).contains(days) else { throw CLIError(message: "--expires-in-days must be 1 to 3650", code: 64) }
                    expiry = Date().addingTimeInterval(Double(days) * 86_400)
                }
                let context = try OperatorContext.open(options)
                defer { try? context.store.close() }
                let minted = APIToken.mint()
                let record = try await context.store.createToken(
                    name: name, role: role, digest: minted.digest, source: .cli, expiresAt: expiry, by: context.principal)
                FileHandle.standardError.write(Data(
                    "created token \(record.id) '\(record.name)' (\(record.role.rawValue)); it is shown only this once:\n".utf8))
                print(minted.secret)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        @OptionGroup var options: ConfigOption
        @Flag(help: "Include revoked tokens.") var all = false

        func run() async throws {
            try await reportingErrors {
                let context = try OperatorContext.open(options)
                defer { try? context.store.close() }
                try await context.store.audit(AuditEntry(actor: context.principal, action: "token.list"))
                let tokens = try await context.store.tokens(includeRevoked: all)
                print(["ID", "NAME", "ROLE", "SOURCE", "CREATED", "STATE"].joined(separator: "\t"))
                for token in tokens {
                    let state = token.revokedAt != nil ? "revoked" : (token.isActive ? "active" : "expired")
                    print([token.id, token.name, token.role.rawValue, token.source.rawValue,
                           Timestamp.format(token.createdAt), state].joined(separator: "\t"))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token; the next request with it gets 401.")
        @OptionGroup var options: ConfigOption
        @Argument(help: "Token id (from `checkpoint token list`).") var id: String

        func run() async throws {
            try await reportingErrors {
                let context = try OperatorContext.open(options)
                defer { try? context.store.close() }
                do {
                    let record = try await context.store.revokeToken(id: id, by: context.principal)
                    print("revoked \(record.id) '\(record.name)'")
                } catch StoreError.notFound {
                    throw CLIError(message: "no token with id \(id)", code: 65)
                }
            }
        }
    }

    struct Hash: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the SHA-256 of a token read from stdin, for the `tokens:` list in checkpointd.yaml.")

        func run() async throws {
            try await reportingErrors {
                guard let line = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces),
                      APIToken.isWellFormed(line)
                else { throw CLIError(message: "expected a token (cpd_…) on stdin", code: 65) }
                print(APIToken.digest(of: line))
            }
        }
    }
}
