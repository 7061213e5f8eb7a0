import Access
import Config
import Foundation
import Logging
import Server
import Store

/// The configuration in force, and the one place that replaces it.
///
/// A reload reads the files again; if they do not validate, the running
/// configuration stays and the reason is logged, audited and returned. Settings
/// that only take effect at start (listen address, state directory, store
/// tuning, log level) are reported as needing a restart rather than half-applied.
public actor LiveConfiguration: ConfigReloading {
    public private(set) var current: DaemonConfig
    private let loader: ConfigLoader
    private let store: Store
    private let notifier: SystemdNotifier
    private let logger: Logger
    /// Called with each newly applied configuration (camera supervisors subscribe here).
    private var observers: [@Sendable (DaemonConfig) async -> Void] = []

    public init(initial: DaemonConfig, loader: ConfigLoader, store: Store, notifier: SystemdNotifier, logger: Logger) {
        current = initial
        self.loader = loader
        self.store = store
        self.notifier = notifier
        self.logger = logger
    }

    /// Registers a part of the daemon that must follow configuration changes.
    public func observe(_ observer: @escaping @Sendable (DaemonConfig) async -> Void) {
        observers.append(observer)
    }

    public func reload(requestedBy principal: Principal) async -> ReloadOutcome {
        notifier.notify(["RELOADING=1", "STATUS=reloading configuration"])
        defer { notifier.notify(["READY=1", "STATUS=running"]) }
        let next: DaemonConfig
        do {
            next = try loader.load(path: current.file.path)
        } catch {
            logger.error("reload refused; keeping the running configuration", metadata: ["reason": "\(error)"])
            try? await store.audit(AuditEntry(actor: principal, action: "config.reload", target: current.file.path,
                                              outcome: .failed, detail: ["reason": error.description]))
            return ReloadOutcome(applied: false, message: "kept the running configuration: \(error)")
        }
        do {
            try await store.syncProvisionedTokens(next.tokens.map(\.provisioned), by: principal)
        } catch {
            logger.error("reload could not apply provisioned tokens", metadata: ["reason": "\(error)"])
            return ReloadOutcome(applied: false, message: "kept the running configuration: \(error)")
        }
        let changes = Self.changes(from: current, to: next)
        let restartOnly = Self.restartOnlyChanges(from: current, to: next)
        // Restart-only settings keep their running values so that `current` stays truthful.
        var applied = next
        applied.listen = current.listen
        applied.stateDirectory = current.stateDirectory
        applied.store = current.store
        applied.logLevel = current.logLevel
        applied.http = current.http
        current = applied
        for observer in observers { await observer(applied) }

        var message = changes.isEmpty ? "configuration unchanged" : "applied: " + changes.joined(separator: "; ")
        if !restartOnly.isEmpty { message += "; needs a restart to take effect: " + restartOnly.joined(separator: ", ") }
        logger.notice("configuration reloaded", metadata: ["changes": "\(message)"])
        try? await store.audit(AuditEntry(actor: principal, action: "config.reload", target: current.file.path,
                                          detail: ["result": message]))
        return ReloadOutcome(applied: true, message: message)
    }

    static func changes(from old: DaemonConfig, to new: DaemonConfig) -> [String] {
        var changes: [String] = []
        if old.community != new.community { changes.append("community") }
        if old.retention != new.retention { changes.append("retention \(new.retention.days) days") }
        if old.tokens != new.tokens { changes.append("provisioned tokens") }
        if old.cards != new.cards { changes.append("card rules") }
        let oldCameras = Dictionary(uniqueKeysWithValues: old.cameras.map { ($0.id, $0) })
        let newCameras = Dictionary(uniqueKeysWithValues: new.cameras.map { ($0.id, $0) })
        let added = newCameras.keys.filter { oldCameras[$0] == nil }.sorted()
        let removed = oldCameras.keys.filter { newCameras[$0] == nil }.sorted()
        let changed = newCameras.keys.filter { oldCameras[$0] != nil && oldCameras[$0] != newCameras[$0] }.sorted()
        if !added.isEmpty { changes.append("cameras added: " + added.joined(separator: ", ")) }
        if !removed.isEmpty { changes.append("cameras removed: " + removed.joined(separator: ", ")) }
        if !changed.isEmpty { changes.append("cameras changed: " + changed.joined(separator: ", ")) }
        return changes
    }

    static func restartOnlyChanges(from old: DaemonConfig, to new: DaemonConfig) -> [String] {
        var keys: [String] = []
        if old.listen != new.listen { keys.append("listen") }
        if old.stateDirectory != new.stateDirectory { keys.append("state_directory") }
        if old.store != new.store { keys.append("store") }
        if old.logLevel != new.logLevel { keys.append("log_level") }
        if old.http != new.http { keys.append("http") }
        return keys
    }
}

extension DaemonConfig.ProvisionedToken {
    var provisioned: Store.ProvisionedToken { .init(name: name, role: role, digest: sha256) }
}
