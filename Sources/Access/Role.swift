/// What a caller is allowed to do. Every API route names the roles it admits;
/// there is no implicit super-role, so a route's audience is always explicit.
public enum Role: String, Sendable, Codable, CaseIterable, Hashable {
    /// Cameras, lists, keys, users and tokens.
    case admin
    /// Checkpoint staff: holders, cards, scans.
    case staff
    /// Security centre: alerts, cases, camera health.
    case security
    /// Reads the audit log; changes nothing.
    case auditor
    /// Gate devices and scripts posting events.
    case device

    /// Parses a role name as written in config files and CLI flags.
    public init?(name: String) {
        self.init(rawValue: name.lowercased())
    }

    /// All role names, for error messages that list the valid choices.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
