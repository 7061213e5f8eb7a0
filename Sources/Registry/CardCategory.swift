/// Who a card is for; decides defaults (a visitor pass is short-lived) and how guards read it.
public enum CardCategory: String, Sendable, Codable, CaseIterable, Hashable {
    case resident, visitor, worker, delivery, official

    /// One byte inside the token.
    var code: UInt8 {
        switch self {
        case .resident: return 1
        case .visitor: return 2
        case .worker: return 3
        case .delivery: return 4
        case .official: return 5
        }
    }

    init?(code: UInt8) {
        guard let match = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = match
    }

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
