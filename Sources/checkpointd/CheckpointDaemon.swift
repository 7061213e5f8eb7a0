import ArgumentParser
import Daemon
import Foundation
import Logging

/// `checkpointd --config /etc/checkpointd/checkpointd.yaml`
@main
struct CheckpointDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpointd",
        abstract: "Watches a community's checkpoints: cameras, gate events, entry cards, alerts.",
        version: Daemon.version)

    @Option(name: .long, help: "Path to checkpointd.yaml (cameras/*.yaml are read beside it).")
    var config: String = "/etc/checkpointd/checkpointd.yaml"

    @Flag(name: .long, help: "Print the versions of the linked C libraries and exit.")
    var libraries = false

    func run() async throws {
        if libraries {
            for library in LibraryVersions.all { print("\(library.name) \(library.version)") }
            return
        }
        // The one process-wide logging bootstrap; every logger below is a LineLogHandler.
        LoggingSystem.bootstrap { label in LineLogHandler(label: label) }
        let daemon = Daemon(configPath: config) { label, level in
            var logger = Logger(label: label)
            logger.logLevel = level
            return logger
        }
        let code = await daemon.run()
        if code != .ok { throw ExitCode(code.rawValue) }
    }
}

