import GRDB

/// Why a store operation failed, in terms a caller can act on.
public enum StoreError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The database could not be opened (missing permissions, corrupt file, full disk).
    case unavailable(path: String, reason: String)
    /// A uniqueness or reference rule was broken; `what` names the rule.
    case conflict(String)
    /// The row asked for does not exist.
    case notFound(String)
    /// Anything else SQLite reported.
    case failed(String)

    init(_ error: any Error) {
        if let error = error as? StoreError { self = error; return }
        if let error = error as? DatabaseError {
            switch error.extendedResultCode {
            case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY:
                self = .conflict(error.message ?? "already exists")
                return
            default:
                break
            }
            self = .failed("\(error.resultCode): \(error.message ?? "")")
            return
        }
        self = .failed(String(describing: error))
    }

    public var description: String {
        switch self {
        case .unavailable(let path, let reason): return "database \(path) is unavailable: \(reason)"
        case .conflict(let what): return "conflict: \(what)"
        case .notFound(let what): return "not found: \(what)"
        case .failed(let reason): return "database error: \(reason)"
        }
    }
}
