import Crypto
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Plates
import Registry

/// A Hikvision ISAPI `EventNotificationAlert`, as ANPR cameras push it to an
/// HTTP listening host: the XML alone (`application/xml`), or `multipart/form-data`
/// with the XML part and the pictures (`licensePlatePicture.jpg`,
/// `detectionPicture.jpg`). Only what checkpointd uses is read.
struct ISAPIAlert {
    var eventType: String?
    var dateTime: String?
    var macAddress: String?
    var ipAddress: String?
    var channelID: String?
    var uuid: String?
    var plate: String?
    var confidenceLevel: String?
    var direction: String?
    var plateColor: String?
    /// The scene picture if the camera sent one, else the plate picture.
    var picture: Data?

    static func parse(body: Data, contentType: String?) throws -> ISAPIAlert {
        let type = contentType?.lowercased() ?? ""
        if type.hasPrefix("multipart/") {
            guard let boundary = MultipartBody.boundary(contentType ?? "") else {
                throw APIError.invalid("multipart body without a boundary")
            }
            let parts = try MultipartBody.parse(body, boundary: boundary)
            guard let xml = parts.first(where: { $0.isXML }) else {
                throw APIError.invalid("the multipart body has no EventNotificationAlert XML part")
            }
            var alert = try parse(xml: xml.data)
            let pictures = parts.filter { GateEventInput.isJPEG($0.data) }
            alert.picture = (pictures.first { $0.filename?.lowercased().contains("detection") == true } ?? pictures.first)?.data
            return alert
        }
        return try parse(xml: body)
    }

    static func parse(xml: Data) throws -> ISAPIAlert {
        let reader = ElementReader()
        let parser = XMLParser(data: xml)
        parser.shouldResolveExternalEntities = false
        parser.delegate = reader
        guard parser.parse(), reader.root == "EventNotificationAlert" else {
            throw APIError.invalid("the body is not an ISAPI EventNotificationAlert XML document")
        }
        let v = reader.values
        return ISAPIAlert(eventType: v["eventType"], dateTime: v["dateTime"], macAddress: v["macAddress"], ipAddress: v["ipAddress"],
                          channelID: v["channelID"], uuid: v["UUID"], plate: v["ANPR/licensePlate"],
                          confidenceLevel: v["ANPR/confidenceLevel"], direction: v["ANPR/direction"], plateColor: v["ANPR/plateColor"])
    }

    /// The alert as a `plate_read` event; nil for alerts that are not plate reads (heartbeats, other events,
    /// a vehicle the camera saw without a readable plate).
    func gateEvent(checkpoint: String, lane: String, now: Date = Date()) throws -> GateEventInput? {
        guard eventType?.uppercased() == "ANPR", let raw = plate else { return nil }
        let text = PlateText.canonical(raw)
        // Hikvision reports an unreadable plate as 无车牌 ("no plate") or "unknown".
        guard PlateText.isPlausible(text), text != "无车牌", text != "UNKNOWN" else { return nil }
        guard let stamp = dateTime, let at = Self.time(stamp) else {
            throw APIError.invalid("the ANPR alert has no readable dateTime")
        }
        let device = "isapi-" + ((macAddress ?? ipAddress ?? "camera").filter { $0.isLetter || $0.isNumber }) + "-" + (channelID ?? "1")
        // Cameras do not number their alerts; a resend carries the same time and plate (or the same UUID).
        let eventID = uuid ?? SHA256.hash(data: Data("\(stamp)|\(raw)".utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
        let confidence = confidenceLevel.flatMap(Double.init).map { min(1, max(0, $0 / 100)) } ?? 0.5
        let body = GateEventBody(
            eventId: String(eventID.prefix(100)), deviceId: String(device.prefix(64)), checkpoint: checkpoint, lane: lane, at: at,
            kind: GateEventKind.plateRead.rawValue, token: nil, direction: nil, plate: text, confidence: confidence,
            imageBase64: picture?.base64EncodedString(), operator: nil, reason: nil)
        var input = try GateEventInput(body, now: now)
        if let direction { input.event.detail["camera_direction"] = direction }
        // Kept in the reader's names, as a `plate_read` event's own `plate_colour` is; other names say nothing of the plate.
        if let colour = plateColor.flatMap(PlateKind.init(colourName:)) { input.event.detail["plate_colour"] = colour.rawValue }
        return input
    }

    /// ISAPI times: `2026-06-01T10:00:00+08:00`, sometimes with milliseconds or without a zone (then UTC).
    static func time(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withFullDate, .withFullTime, .withColonSeparatorInTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.date(from: text.replacingOccurrences(of: "Z", with: ""))
    }

    /// Collects element text by path below the root ("eventType", "ANPR/licensePlate").
    private final class ElementReader: NSObject, XMLParserDelegate {
        var root: String?
        var values: [String: String] = [:]
        private var path: [String] = []
        private var text = ""

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if root == nil { root = name } else { path.append(name) }
            text = ""
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            guard !path.isEmpty else { return }
            let key = path.joined(separator: "/")
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !value.isEmpty, values[key] == nil { values[key] = value }
            path.removeLast()
            text = ""
        }
    }
}

/// A minimal `multipart/form-data` reader: parts with their name, file name, type and bytes.
enum MultipartBody {
    struct Part {
        var name: String?
        var filename: String?
        var contentType: String?
        var data: Data

        var isXML: Bool {
            contentType?.lowercased().contains("xml") == true || filename?.lowercased().hasSuffix(".xml") == true
                || data.prefix(64).starts(with: Data("<?xml".utf8))
        }
    }

    static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return (1...200).contains(value.count) ? value : nil
            }
        }
        return nil
    }

    static func parse(_ body: Data, boundary: String) throws -> [Part] {
        let delimiter = Data("--\(boundary)".utf8)
        let headerEnd = Data("\r\n\r\n".utf8)
        var parts: [Part] = []
        guard var cursor = body.range(of: delimiter)?.upperBound else { throw APIError.invalid("the multipart boundary never appears") }
        while parts.count < 16 {
            // After a delimiter: "--" ends the body, otherwise CRLF then the part's headers.
            if body[cursor...].starts(with: Data("--".utf8)) { return parts }
            guard let headers = body.range(of: headerEnd, in: cursor..<body.endIndex),
                  let next = body.range(of: delimiter, in: headers.upperBound..<body.endIndex) else {
                throw APIError.invalid("a multipart part is cut short")
            }
            var part = Part(data: Data())
            let headerText = String(decoding: body[cursor..<headers.lowerBound], as: UTF8.self)
            for line in headerText.components(separatedBy: "\r\n") {
                let pair = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { continue }
                switch pair[0].lowercased() {
                case "content-type": part.contentType = pair[1]
                case "content-disposition":
                    for item in pair[1].split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                        let kv = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
                        if kv.count == 2, kv[0] == "name" { part.name = kv[1] }
                        if kv.count == 2, kv[0] == "filename" { part.filename = kv[1] }
                    }
                default: break
                }
            }
            // The part's bytes end before the CRLF that precedes the next delimiter.
            var end = next.lowerBound
            if end - headers.upperBound >= 2, body[end - 2] == 0x0D, body[end - 1] == 0x0A { end -= 2 }
            part.data = Data(body[headers.upperBound..<end])
            parts.append(part)
            cursor = next.upperBound
        }
        throw APIError.invalid("too many multipart parts")
    }
}
