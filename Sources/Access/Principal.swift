/// Who is acting: the subject of every authorisation decision and audit line.
public struct Principal: Sendable, Hashable, Codable {
    /// How the principal proved who it is.
    public enum Kind: String, Sendable, Codable {
        /// A bearer API token presented over HTTP.
        case token
        /// A person signed in to the staff pages (session cookie).
        case session
        /// A person at the server's shell using the `checkpoint` CLI.
        case cli
        /// The daemon itself (retention, reload, bootstrap).
        case system
    }

    public var kind: Kind
    /// Stable id: the token id, the OS user name, or `checkpointd`.
    public var id: String
    /// Human-readable name for audit views (never a secret).
    public var name: String
    public var role: Role

    public init(kind: Kind, id: String, name: String, role: Role) {
        self.kind = kind
        self.id = id
        self.name = name
        self.role = role
    }

    /// The daemon acting on its own behalf.
    public static let system = Principal(kind: .system, id: "checkpointd", name: "checkpointd", role: .admin)

    /// Whether this principal may use a route open to `roles`.
    public func isAllowed(_ roles: Set<Role>) -> Bool { roles.contains(role) }
}
