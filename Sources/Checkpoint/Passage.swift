import Foundation
import Plates
import Registry

/// A vehicle's plate as one passage saw it: the tracker's vote from a camera, or a
/// read pushed by a camera that reads plates itself.
public struct VehicleSighting: Sendable, Equatable {
    /// Canonical plate text.
    public var plate: String
    public var confidence: Double
    /// Other plausible texts, best first (watchlists also look at these).
    public var alternatives: [String]
    public var at: Date
    /// The camera or device that saw it.
    public var source: String
    /// The evidence JPEG, when there is one (path under the state directory and its SHA-256).
    public var snapshot: Snapshot?
    /// The plate's colour (Chinese plates: blue, yellow, green new-energy, white, black), when the reader or
    /// the camera could tell it; it says what kind of vehicle passed (a yellow plate is a lorry or a coach).
    public var colour: PlateKind?

    public struct Snapshot: Sendable, Equatable {
        public var path: String
        public var sha256: String
        public init(path: String, sha256: String) {
            self.path = path
            self.sha256 = sha256
        }
    }

    public init(plate: String, confidence: Double, alternatives: [String] = [], at: Date, source: String,
                snapshot: Snapshot? = nil, colour: PlateKind? = nil) {
        self.plate = plate
        self.confidence = confidence
        self.alternatives = alternatives
        self.at = at
        self.source = source
        self.snapshot = snapshot
        self.colour = colour.flatMap { $0.isColour ? $0 : nil }
    }
}

/// A card scan on the lane and what the registry decided about it.
public struct CardScan: Sendable, Equatable {
    public var cardID: String
    public var holderID: String?
    /// The plates registered to the card's holder (canonical).
    public var holderPlates: [String]
    public var decision: ScanDecision
    public var at: Date

    public init(cardID: String, holderID: String?, holderPlates: [String], decision: ScanDecision, at: Date) {
        self.cardID = cardID
        self.holderID = holderID
        self.holderPlates = holderPlates
        self.decision = decision
        self.at = at
    }
}

/// What the barrier and the lane's devices reported.
public struct GateSignal: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, Codable, CaseIterable {
        case opened = "gate_opened"
        case closed = "gate_closed"
        case forced = "gate_forced"
        case heldOpen = "gate_held_open"
        case loopOccupied = "loop_occupied"
        case loopCleared = "loop_cleared"
        case manualOpen = "manual_open"
    }

    public var kind: Kind
    public var at: Date
    public var device: String
    /// Who opened by hand, and why (`manual_open`).
    public var operatorName: String?
    public var reason: String?

    public init(kind: Kind, at: Date, device: String, operatorName: String? = nil, reason: String? = nil) {
        self.kind = kind
        self.at = at
        self.device = device
        self.operatorName = operatorName
        self.reason = reason
    }
}

/// Everything one lane saw around one passage: the vehicles (in the order they came), the card scans and
/// the gate signals within the passage's time window.
public struct Passage: Sendable, Equatable {
    public var checkpoint: String
    public var lane: String
    public var direction: PassageDirection?
    public var vehicles: [VehicleSighting]
    public var scans: [CardScan]
    public var gate: [GateSignal]

    public init(checkpoint: String, lane: String, direction: PassageDirection? = nil, vehicles: [VehicleSighting] = [],
                scans: [CardScan] = [], gate: [GateSignal] = []) {
        self.checkpoint = checkpoint
        self.lane = lane
        self.direction = direction
        self.vehicles = vehicles
        self.scans = scans
        self.gate = gate
    }

    /// When the passage happened: its first piece of evidence.
    public var at: Date? {
        (vehicles.map(\.at) + scans.map(\.at) + gate.map(\.at)).min()
    }
}
