/// A case's life: `new → acknowledged → dispatched → resolved → closed`, or `rejected`. Every change is a
/// transition by a named user with a note; the table below is the whole state machine.
public enum CaseState: String, Sendable, Equatable, CaseIterable, Codable {
    case new, acknowledged, dispatched, resolved, closed, rejected

    /// Where a case may go from here.
    public var next: [CaseState] {
        switch self {
        case .new: [.acknowledged, .dispatched, .resolved, .rejected]
        case .acknowledged: [.dispatched, .resolved, .rejected]
        case .dispatched: [.resolved, .rejected]
        case .resolved: [.closed, .dispatched]  // reopened: sent out again
        case .closed, .rejected: []
        }
    }

    public func allows(_ target: CaseState) -> Bool { next.contains(target) }

    /// No further transitions: counts as closed in the figures.
    public var isFinal: Bool { next.isEmpty }
}
