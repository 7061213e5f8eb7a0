import ArgumentParser
import Config
import Foundation

/// `checkpoint config check`: validate before `systemctl reload`.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check configuration files.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate checkpointd.yaml and cameras/*.yaml; exit 78 naming file, line and key on error.")
        @OptionGroup var options: ConfigOption

        func run() async throws {
            try await reportingErrors {
                do {
                    let config = try ConfigLoader().load(path: options.config)
                    print("ok: \(config.file.path)")
                    print("  listen \(config.listen.address):\(config.listen.port), state \(config.stateDirectory.path)")
                    print("  community \(config.community.id) (\(config.community.name), \(config.community.timeZone.identifier))")
                    print("  \(config.cameras.count) camera(s): " + config.cameras.map(\.id).joined(separator: ", "))
                    print("  \(config.tokens.count) provisioned token(s)")
                } catch {
                    throw CLIError(message: "\(error)", code: 78)
                }
            }
        }
    }
}
