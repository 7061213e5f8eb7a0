import Access
import ArgumentParser
import Foundation
import Store

/// `checkpoint user create|list|password`: people who sign in to the staff pages.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage staff page users.", subcommands: [Create.self, List.self, Password.self])

    /// Reads a password from stdin (one line), so it never appears in shell history or `ps`.
    static func readPassword() throws -> String {
        if isatty(0) == 1 { FileHandle.standardError.write(Data("password: ".utf8)) }
        guard let line = readLine(strippingNewline: true) else { throw CLIError(message: "no password on stdin", code: 64) }
        if let problem = PasswordHash.problem(with: line) { throw CLIError(message: problem, code: 64) }
        return line
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user; the password is read from stdin.")
        @OptionGroup var options: ConfigOption
        @Option(help: "Sign-in name.") var name: String
        @Option(help: "admin, staff, security or auditor.") var role: String = "staff"

        func run() async throws {
            try await reportingErrors {
                guard let role = Role(name: role), role != .device else {
                    throw CLIError(message: "--role must be admin, staff, security or auditor", code: 64)
                }
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                guard (1...64).contains(trimmed.count) else { throw CLIError(message: "--name must be 1 to 64 characters", code: 64) }
                let password = try UserCommand.readPassword()
                let context = try OperatorContext.open(options)
                defer { try? context.store.close() }
                do {
                    let user = try await context.store.createUser(name: trimmed, role: role,
                                                                  passwordHash: try PasswordHash.make(password), by: context.principal)
                    print("created user \(user.name) (\(user.role.rawValue))")
                } catch StoreError.conflict {
                    throw CLIError(message: "a user named \(trimmed) already exists", code: 65)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var options: ConfigOption

        func run() async throws {
            try await reportingErrors {
                let context = try OperatorContext.open(options)
                defer { try? context.store.close() }
                for user in try await context.store.users() {
                    print("\(user.name)\t\(user.role.rawValue)\t\(user.disabledAt == nil ? "active" : "disabled")")
                }
            }
        }
    }

    struct Password: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a user's password (from stdin); signs them out everywhere.")
        @OptionGroup var options: ConfigOption
        @Option(help: "Sign-in name.") var name: String

        func run() async throws {
            try await reportingErrors {
                let password = try UserCommand.readPassword()
                let context = try OperatorContext.open(options)
                defer { try? context.store.close() }
                do {
                    try await context.store.setPassword(userName: name, passwordHash: try PasswordHash.make(password), by: context.principal)
                    print("password changed for \(name)")
                } catch StoreError.notFound {
                    throw CLIError(message: "no user named \(name)", code: 65)
                }
            }
        }
    }
}
