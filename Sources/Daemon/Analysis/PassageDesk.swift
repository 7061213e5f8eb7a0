import Access
import Checkpoint
import Foundation
import Logging
import Plates
import Registry
import Server
import Store

/// Where sightings become passages: for a vehicle seen on a lane it gathers what
/// the lane's devices reported around it (gate signals, card scans), the plates
/// the gate lets in and the watchlist, decides, and stores the passage with its
/// alerts. Lists are re-read at most every `refresh` seconds, so a new watchlist
/// entry is in force within seconds without a query per vehicle.
public actor PassageDesk {
    /// A lane's recent vehicles: tailgating is two of them through one opening.
    private var recent: [String: [VehicleSighting]] = [:]
    private var cached: (at: Date, registrations: [VehicleRegistration], watchlist: [WatchlistEntry])?
    private let store: Store
    private let policy: CheckpointPolicy
    private let logger: Logger
    /// How far back a lane's gate events and scans belong to a vehicle seen now.
    private let window: TimeInterval
    private let refresh: TimeInterval
    private let onRecorded: @Sendable (StoredPassage, [AlertRecord]) async -> Void

    public init(store: Store, policy: CheckpointPolicy, logger: Logger, window: TimeInterval = 20, refresh: TimeInterval = 5,
                onRecorded: @escaping @Sendable (StoredPassage, [AlertRecord]) async -> Void = { _, _ in }) {
        self.store = store
        self.policy = policy
        self.logger = logger
        self.window = window
        self.refresh = refresh
        self.onRecorded = onRecorded
    }

    /// Decides and stores the passage of one vehicle; `sourceKey` makes a retry harmless.
    @discardableResult
    public func vehicle(_ sighting: VehicleSighting, checkpoint: String, lane: String, direction: PassageDirection?,
                        sourceKey: String) async throws -> StoredPassage {
        let key = checkpoint + "\u{1F}" + lane
        let events = try await store.gateEvents(checkpoint: checkpoint, lane: lane, from: sighting.at.addingTimeInterval(-window),
                                                to: sighting.at.addingTimeInterval(2))
        let gate = events.compactMap(Self.signal)
        // The vehicles of this passage: this lane's since the last opening before this one (or within the window).
        let lastOpening = gate.filter { ($0.kind == .opened || $0.kind == .manualOpen) && $0.at <= sighting.at }.map(\.at).max()
        let since = lastOpening ?? sighting.at.addingTimeInterval(-window)
        let earlier = (recent[key] ?? []).filter { $0.at >= since && $0.at < sighting.at && $0.plate != sighting.plate }
        recent[key] = ((recent[key] ?? []) + [sighting]).filter { $0.at >= sighting.at.addingTimeInterval(-window) }

        let context = try await decisionContext(at: sighting.at)
        // A scanned card's plates are its holder's registered plates.
        let scans = events.compactMap(Self.scan).map { scan -> CardScan in
            var scan = scan
            scan.holderPlates = context.registrations.values.flatMap { $0 }.filter { $0.holderID != nil && $0.holderID == scan.holderID }
                .map(\.plate)
            return scan
        }
        let passage = Passage(checkpoint: checkpoint, lane: lane, direction: direction, vehicles: earlier + [sighting],
                              scans: scans, gate: gate.filter { $0.at >= since || $0.kind == .forced })
        guard let record = EntryDecider.decide(passage, context: context).last else {
            throw StoreError.failed("no decision for \(sighting.plate)")
        }
        let stored = try await store.recordPassage(record, sourceKey: sourceKey)
        if !stored.duplicate {
            logger.info("passage", metadata: ["checkpoint": "\(checkpoint)", "lane": "\(lane)", "verdict": "\(record.verdict.rawValue)",
                                              "passage": "\(stored.passage.id)", "alerts": "\(stored.alerts.count)"])
            await onRecorded(stored.passage, stored.alerts)
        }
        return stored.passage
    }

    private func decisionContext(at time: Date) async throws -> DecisionContext {
        if let cached, abs(cached.at.timeIntervalSince(Date())) < refresh {
            return DecisionContext(registrations: cached.registrations, watchlist: cached.watchlist, policy: policy)
        }
        let registrations = try await store.vehicleRegistrations(at: time)
        let watchlist = try await store.activeWatchlist(at: time)
        cached = (Date(), registrations, watchlist)
        return DecisionContext(registrations: registrations, watchlist: watchlist, policy: policy)
    }

    /// Forget cached lists now (after a watchlist or register change).
    public func invalidate() { cached = nil }

    static func signal(_ event: GateEventRecord) -> GateSignal? {
        guard let kind = GateSignal.Kind(rawValue: event.kind) else { return nil }
        return GateSignal(kind: kind, at: event.at, device: event.deviceID, operatorName: event.detail["operator"],
                          reason: event.detail["reason"])
    }

    static func scan(_ event: GateEventRecord) -> CardScan? {
        guard event.kind == "card_scan", let cardID = event.detail["card_id"], let verdictText = event.detail["verdict"],
              let verdict = Verdict(rawValue: verdictText) else { return nil }
        let code = ScanReason.Code(rawValue: event.detail["reason"] ?? "") ?? .ok
        return CardScan(cardID: cardID, holderID: event.detail["holder_id"], holderPlates: [],
                        decision: ScanDecision(verdict, code, event.detail["reason_message"] ?? code.rawValue), at: event.at)
    }
}

/// Plates pushed by LPR cameras through the events API become passages like the daemon's own reads.
public struct PushedPlates: SightingSink {
    let desk: PassageDesk
    let logger: Logger

    public func plateRead(_ event: GateEventRecord) async throws {
        guard let plate = event.detail["plate"] else { return }
        let snapshot = event.snapshotPath.map { VehicleSighting.Snapshot(path: $0, sha256: event.snapshotSHA256 ?? "") }
        let sighting = VehicleSighting(plate: plate, confidence: Double(event.detail["confidence"] ?? "") ?? 0.5, at: event.at,
                                       source: event.deviceID, snapshot: snapshot,
                                       colour: event.detail["plate_colour"].flatMap(PlateKind.init(colourName:)))
        do {
            try await desk.vehicle(sighting, checkpoint: event.checkpoint, lane: event.lane,
                                   direction: event.detail["direction"].flatMap(PassageDirection.init(rawValue:)),
                                   sourceKey: "device/\(event.deviceID)/\(event.eventID)")
        } catch {
            logger.error("cannot record the passage of a pushed plate", metadata: ["device": "\(event.deviceID)", "error": "\(error)"])
            throw error
        }
    }
}
