import ArgumentParser

/// The operator CLI. Commands act on the same database as the running daemon.
@main
struct Checkpoint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Operate checkpointd: entry cards, staff users, API tokens, configuration checks.",
        subcommands: [TokenCommand.self, CardCommand.self, WatchlistCommand.self, UserCommand.self, ConfigCommand.self, ProbeCommand.self, TrackCommand.self, BenchCommand.self,
                      RecognizeCommand.self, EvalCommand.self])
}

/// `--config PATH`, shared by every command that touches the daemon's state.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Path to checkpointd.yaml.")
    var config: String = "/etc/checkpointd/checkpointd.yaml"
}
