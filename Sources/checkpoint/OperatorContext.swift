import Access
import ArgumentParser
import Config
import Foundation
import Store

/// The configuration and store a CLI command works on, opened the way the daemon opens them.
struct OperatorContext {
    let config: DaemonConfig
    let store: Store
    let principal: Principal

    static func open(_ option: ConfigOption) throws -> OperatorContext {
        let config: DaemonConfig
        do {
            config = try ConfigLoader().load(path: option.config)
        } catch {
            throw CLIError(message: "invalid configuration: \(error)", code: 78)
        }
        try refuseForeignOwner(config.stateDirectory)
        let store: Store
        do {
            store = try Store(stateDirectory: config.stateDirectory, options: .init(
                synchronousFull: config.store.synchronous == .full, busyTimeout: config.store.busyTimeoutSeconds))
        } catch {
            throw CLIError(message: "\(error)", code: 73)
        }
        let user = ProcessInfo.processInfo.environment["SUDO_USER"]
            ?? ProcessInfo.processInfo.environment["USER"] ?? "uid \(getuid())"
        return OperatorContext(config: config, store: store,
                               principal: Principal(kind: .cli, id: user, name: "cli:\(user)", role: .admin))
    }

    /// Root writing into a state directory owned by the daemon's user would leave
    /// root-owned database files the daemon cannot open; ask for the right user instead.
    private static func refuseForeignOwner(_ directory: URL) throws {
        guard geteuid() == 0,
              let attributes = try? FileManager.default.attributesOfItem(atPath: directory.path),
              let owner = attributes[.ownerAccountID] as? NSNumber, owner.uint32Value != 0
        else { return }
        let name = (attributes[.ownerAccountName] as? String) ?? "uid \(owner)"
        throw CLIError(message: "\(directory.path) belongs to \(name); run this as that user: sudo -u \(name) checkpoint …",
                       code: 77)
    }
}

/// A failure the CLI reports on stderr with a sysexits(3) status.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    let code: Int32
    var description: String { message }
}

extension AsyncParsableCommand {
    /// Runs `body`, printing a `CLIError` plainly and exiting with its code.
    func reportingErrors(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("checkpoint: \(error.message)\n".utf8))
            throw ExitCode(error.code)
        }
    }
}
