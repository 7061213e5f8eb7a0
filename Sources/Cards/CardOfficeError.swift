import Store

/// Why a card operation failed, phrased for the person who asked.
public enum CardOfficeError: Error, CustomStringConvertible, Equatable, Sendable {
    case keyUnavailable(String)
    case invalid(String)
    case store(StoreError)

    public var description: String {
        switch self {
        case .keyUnavailable(let why): return "signing key unavailable: \(why)"
        case .invalid(let why): return why
        case .store(let error): return error.description
        }
    }
}
