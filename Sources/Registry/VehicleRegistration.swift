import Foundation

/// A plate allowed through this checkpoint without a card: a holder's car, or a registered non-resident
/// vehicle (service van, taxi) within its time window.
public struct VehicleRegistration: Sendable, Equatable {
    public var plate: String
    /// Who it belongs to, as a guard would say it ("holder h-12, 3-2-401", "laundry van").
    public var owner: String
    public var holderID: String?
    public var validFrom: Date?
    public var validUntil: Date?

    public init(plate: String, owner: String, holderID: String? = nil, validFrom: Date? = nil, validUntil: Date? = nil) {
        self.plate = plate
        self.owner = owner
        self.holderID = holderID
        self.validFrom = validFrom
        self.validUntil = validUntil
    }

    public func isValid(at time: Date) -> Bool {
        (validFrom.map { time >= $0 } ?? true) && (validUntil.map { time < $0 } ?? true)
    }
}
