import Foundation
import Plates
import Registry
import Store

/// The kinds of event a gate device may report, and the fields each one carries.
enum GateEventKind: String, CaseIterable, Sendable {
    case cardScan = "card_scan"
    case plateRead = "plate_read"
    case gateOpened = "gate_opened"
    case gateClosed = "gate_closed"
    case gateForced = "gate_forced"
    case gateHeldOpen = "gate_held_open"
    case loopOccupied = "loop_occupied"
    case loopCleared = "loop_cleared"
    case manualOpen = "manual_open"

    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Fields beyond the envelope this kind takes (any other is refused).
    var fields: Set<String> {
        switch self {
        case .cardScan: ["token", "direction"]
        case .plateRead: ["plate", "confidence", "image_base64", "direction", "plate_colour"]
        case .manualOpen: ["operator", "reason"]
        default: []
        }
    }
}

/// `POST /api/v1/events` body: the envelope every event has, plus the optional fields of the kinds.
struct GateEventBody: Decodable {
    let eventId: String
    let deviceId: String
    let checkpoint: String
    let lane: String
    let at: Date
    let kind: String
    let token: String?
    let direction: String?
    let plate: String?
    let confidence: Double?
    let imageBase64: String?
    /// The plate's colour as the camera saw it (blue, yellow, green, white, black): a Chinese plate's kind.
    var plateColour: String? = nil
    let `operator`: String?
    let reason: String?

    /// The optional fields present, by their wire names.
    var present: Set<String> {
        var names: Set<String> = []
        if token != nil { names.insert("token") }
        if direction != nil { names.insert("direction") }
        if plate != nil { names.insert("plate") }
        if confidence != nil { names.insert("confidence") }
        if imageBase64 != nil { names.insert("image_base64") }
        if plateColour != nil { names.insert("plate_colour") }
        if `operator` != nil { names.insert("operator") }
        if reason != nil { names.insert("reason") }
        return names
    }
}

/// A validated event, ready to store (and, for a card scan, to scan).
struct GateEventInput {
    var kind: GateEventKind
    var event: NewGateEvent
    var image: Data?
    var scanToken: String?
    var direction: PassageDirection?

    /// Checks every field strictly; the error names the field and what it must be.
    init(_ body: GateEventBody, now: Date = Date()) throws {
        guard let kind = GateEventKind(rawValue: body.kind) else {
            throw APIError.invalid("'kind' must be one of: \(GateEventKind.names)")
        }
        guard (1...100).contains(body.eventId.count) else { throw APIError.invalid("'event_id' must be 1 to 100 characters") }
        guard (1...64).contains(body.deviceId.count),
              body.deviceId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }) else {
            throw APIError.invalid("'device_id' must be 1 to 64 letters, digits, '-', '_', '.' or ':'")
        }
        let place = try RegistryInput.checkpoints([body.checkpoint, body.lane])
        // A device clock far off would put the passage in the wrong window: refuse rather than guess.
        guard body.at.timeIntervalSince(now) < 300 else { throw APIError.invalid("'at' is more than 5 minutes in the future") }
        guard now.timeIntervalSince(body.at) < 7 * 86_400 else { throw APIError.invalid("'at' is more than 7 days old") }
        if let extra = body.present.subtracting(kind.fields).sorted().first {
            throw APIError.invalid("'\(extra)' is not a field of \(kind.rawValue) events")
        }
        var detail: [String: String] = [:]
        self.kind = kind
        switch kind {
        case .cardScan:
            guard let token = body.token, !token.isEmpty, token.utf8.count <= 1000 else {
                throw APIError.invalid("card_scan needs 'token' (the QR content, at most 1000 bytes)")
            }
            guard let text = body.direction, let direction = PassageDirection(rawValue: text) else {
                throw APIError.invalid("card_scan needs 'direction': in or out")
            }
            scanToken = token
            self.direction = direction
        case .plateRead:
            let plate = PlateText.canonical(body.plate ?? "")
            guard PlateText.isPlausible(plate) else { throw APIError.invalid("plate_read needs 'plate': 2 to 12 letters or digits") }
            guard let confidence = body.confidence, (0...1).contains(confidence) else {
                throw APIError.invalid("plate_read needs 'confidence' from 0 to 1")
            }
            detail["plate"] = plate
            detail["confidence"] = String(confidence)
            if let raw = body.plate, raw != plate { detail["raw_plate"] = raw }
            if let text = body.direction {
                guard let direction = PassageDirection(rawValue: text) else { throw APIError.invalid("'direction' must be in or out") }
                self.direction = direction
                detail["direction"] = text
            }
            if let name = body.plateColour {
                guard let colour = PlateKind(colourName: name) else {
                    throw APIError.invalid("'plate_colour' must be one of: \(PlateKind.colourNames)")
                }
                detail["plate_colour"] = colour.rawValue
            }
            if let encoded = body.imageBase64 {
                guard let data = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters), Self.isJPEG(data) else {
                    throw APIError.invalid("'image_base64' must be a base64 JPEG")
                }
                image = data
            }
        case .manualOpen:
            guard let name = body.operator?.trimmingCharacters(in: .whitespaces), (1...100).contains(name.count) else {
                throw APIError.invalid("manual_open needs 'operator': who opened the gate (1 to 100 characters)")
            }
            guard let why = body.reason?.trimmingCharacters(in: .whitespaces), (1...200).contains(why.count) else {
                throw APIError.invalid("manual_open needs 'reason': why it was opened (1 to 200 characters)")
            }
            detail["operator"] = name
            detail["reason"] = why
        default:
            break
        }
        event = NewGateEvent(deviceID: body.deviceId, eventID: body.eventId, kind: kind.rawValue, checkpoint: place[0],
                             lane: place[1], at: body.at, detail: detail)
    }

    /// JPEG files start with FF D8 FF.
    static func isJPEG(_ data: Data) -> Bool {
        data.count > 3 && data.prefix(3).elementsEqual([0xFF, 0xD8, 0xFF])
    }
}
