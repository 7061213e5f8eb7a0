import Foundation
import Registry
import Testing
@testable import Checkpoint

/// One row per decision rule: the passage, the verdict, and the reason codes expected.
struct EntryDeciderTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    /// 2026-06-01 at `hh:mm` Beijing time.
    static func at(_ hour: Int, _ minute: Int = 0, _ second: Double = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(from: DateComponents(year: 2026, month: 6, day: 1, hour: hour, minute: minute))!
            .addingTimeInterval(second)
    }

    static let context = DecisionContext(
        registrations: [
            VehicleRegistration(plate: "京A5R319", owner: "holder h-1, 3-2-401", holderID: "h-1"),
            VehicleRegistration(plate: "沪C8K2Q7", owner: "laundry van", validFrom: at(8), validUntil: at(18)),
        ],
        watchlist: [
            WatchlistEntry(id: "w1", kind: .plate, value: "粤BD27584", reason: "stolen", severity: .critical, createdBy: "sec",
                           createdAt: at(0)),
            WatchlistEntry(id: "w2", kind: .plate, value: "川AF369W1", reason: "banned", severity: .warning, validUntil: at(12),
                           createdBy: "sec", createdAt: at(0)),
        ],
        policy: CheckpointPolicy(timeZone: zone, openHours: AllowedHours(start: 6 * 60, end: 22 * 60)))

    static func car(_ plate: String, _ time: Date, alternatives: [String] = []) -> VehicleSighting {
        VehicleSighting(plate: plate, confidence: 0.9, alternatives: alternatives, at: time, source: "cam-1")
    }

    static func scan(_ verdict: Verdict, plates: [String] = ["京A5R319"], at time: Date) -> CardScan {
        let decision: ScanDecision = switch verdict {
        case .allow: ScanDecision(.allow, .ok, "resident, valid until 2027-01-01")
        case .deny: ScanDecision(.deny, .expired, "expired on 2026-05-01")
        case .alert: ScanDecision(.alert, .ok, "card on the watchlist")
        }
        return CardScan(cardID: "c-1", holderID: "h-1", holderPlates: plates, decision: decision, at: time)
    }

    static func gate(_ kind: GateSignal.Kind, _ time: Date) -> GateSignal {
        GateSignal(kind: kind, at: time, device: "barrier-1", operatorName: kind == .manualOpen ? "guard wang" : nil,
                   reason: kind == .manualOpen ? "ambulance" : nil)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var passage: Passage
        var verdicts: [EntryVerdict]
        var codes: [[EntryReason.Code]]
        var testDescription: String { name }
    }

    static func lane(vehicles: [VehicleSighting] = [], scans: [CardScan] = [], gate: [GateSignal] = []) -> Passage {
        Passage(checkpoint: "north", lane: "1", direction: .in, vehicles: vehicles, scans: scans, gate: gate)
    }

    static let rows: [Row] = [
        Row(name: "registered vehicle", passage: lane(vehicles: [car("京A5R319", at(10))], gate: [gate(.opened, at(10))]),
            verdicts: [.allowed], codes: [[.registeredVehicle]]),
        Row(name: "unregistered vehicle by day", passage: lane(vehicles: [car("浙B12345", at(10))]),
            verdicts: [.allowed], codes: [[.unregisteredVehicle]]),
        Row(name: "unregistered vehicle at night", passage: lane(vehicles: [car("浙B12345", at(23))]),
            verdicts: [.flagged], codes: [[.unregisteredClosedHours]]),
        Row(name: "open hours start edge (06:00 is open)", passage: lane(vehicles: [car("浙B12345", at(6))]),
            verdicts: [.allowed], codes: [[.unregisteredVehicle]]),
        Row(name: "open hours end edge (22:00 is closed)", passage: lane(vehicles: [car("浙B12345", at(22))]),
            verdicts: [.flagged], codes: [[.unregisteredClosedHours]]),
        Row(name: "registered van inside its window", passage: lane(vehicles: [car("沪C8K2Q7", at(17, 59, 59))]),
            verdicts: [.allowed], codes: [[.registeredVehicle]]),
        Row(name: "registered van at the end of its window (exclusive) is unregistered", passage: lane(vehicles: [car("沪C8K2Q7", at(18))]),
            verdicts: [.allowed], codes: [[.unregisteredVehicle]]),
        Row(name: "watchlist hit", passage: lane(vehicles: [car("粤BD27584", at(10))]),
            verdicts: [.alert], codes: [[.watchlistHit, .unregisteredVehicle]]),
        Row(name: "watchlist hit through a look-alike", passage: lane(vehicles: [car("粤B027584", at(10))]),
            verdicts: [.alert], codes: [[.watchlistHit, .unregisteredVehicle]]),
        Row(name: "watchlist entry expired (valid until is exclusive)", passage: lane(vehicles: [car("川AF369W1", at(12))]),
            verdicts: [.allowed], codes: [[.unregisteredVehicle]]),
        Row(name: "watchlist entry still valid a second before", passage: lane(vehicles: [car("川AF369W1", at(11, 59, 59))]),
            verdicts: [.alert], codes: [[.watchlistHit, .unregisteredVehicle]]),
        Row(name: "card scan with the holder's car", passage: lane(vehicles: [car("京A5R319", at(10, 0, 5))], scans: [scan(.allow, at: at(10))],
                                                                   gate: [gate(.opened, at(10, 0, 1))]),
            verdicts: [.allowed], codes: [[.registeredVehicle, .cardAllowed]]),
        Row(name: "card scanned but the plate is not on the card", passage: lane(vehicles: [car("浙B12345", at(10, 0, 5))],
                                                                                scans: [scan(.allow, at: at(10))]),
            verdicts: [.flagged], codes: [[.cardAllowed, .plateNotOnCard]]),
        Row(name: "card with the plate as a look-alike is the card's plate", passage: lane(vehicles: [car("京A5R3I9", at(10, 0, 5))],
                                                                                          scans: [scan(.allow, at: at(10))]),
            verdicts: [.allowed], codes: [[.cardAllowed]]),
        Row(name: "card refused", passage: lane(scans: [scan(.deny, at: at(10))]),
            verdicts: [.denied], codes: [[.cardDenied]]),
        Row(name: "watchlisted card", passage: lane(scans: [scan(.alert, at: at(10))]),
            verdicts: [.alert], codes: [[.cardAlert]]),
        Row(name: "gate opened with no scan and no registered plate", passage: lane(vehicles: [car("浙B12345", at(10, 0, 3))],
                                                                                  gate: [gate(.opened, at(10))]),
            verdicts: [.flagged], codes: [[.unregisteredVehicle, .openedWithoutCredential]]),
        Row(name: "manual open is explained, not flagged", passage: lane(vehicles: [car("浙B12345", at(10, 0, 3))],
                                                                       gate: [gate(.manualOpen, at(10))]),
            verdicts: [.allowed], codes: [[.unregisteredVehicle, .manualOpen]]),
        Row(name: "two vehicles through one scan", passage: lane(vehicles: [car("京A5R319", at(10, 0, 5)), car("浙B12345", at(10, 0, 9))],
                                                              scans: [scan(.allow, at: at(10))], gate: [gate(.opened, at(10, 0, 1))]),
            verdicts: [.allowed, .flagged], codes: [[.registeredVehicle, .cardAllowed], [.unregisteredVehicle, .tailgating]]),
        Row(name: "gate forced", passage: lane(gate: [gate(.forced, at(2))]),
            verdicts: [.flagged], codes: [[.gateForced]]),
        Row(name: "gate held open after a registered car", passage: lane(vehicles: [car("京A5R319", at(10))],
                                                                        gate: [gate(.opened, at(10)), gate(.heldOpen, at(10, 1))]),
            verdicts: [.flagged], codes: [[.registeredVehicle, .gateHeldOpen]]),
    ]

    @Test(arguments: rows)
    func rule(_ row: Row) {
        let records = EntryDecider.decide(row.passage, context: Self.context)
        #expect(records.map(\.verdict) == row.verdicts)
        #expect(records.map { $0.reasons.map(\.code) } == row.codes)
    }

    @Test func aHitSaysHowItMatchedAndFlagsBecomeAlerts() throws {
        let record = try #require(EntryDecider.decide(Self.lane(vehicles: [Self.car("粤B027584", Self.at(10))]), context: Self.context).first)
        #expect(record.hits.first?.how == .lookalike && record.hits.first?.cost == 0.5)
        #expect(record.alerts.map(\.code) == [.watchlistHit])
        #expect(record.alerts.first?.severity == .critical)
        #expect(record.alerts.first?.message.contains("matched lookalike as 粤B027584") == true)
        #expect(EntryDecider.decide(Self.lane(), context: Self.context).isEmpty)
    }
}
