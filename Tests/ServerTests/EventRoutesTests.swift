import Access
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Imaging
import Testing
@testable import Server

/// Gate events on a real server on loopback: idempotency, strict validation, pictures, the ISAPI adapter.
struct EventRoutesTests {
    static func event(_ kind: String, id: String = "e-1", at: Date = Date(), extra: String = "") -> String {
        let time = ISO8601DateFormatter().string(from: at)
        return """
            {"event_id":"\(id)","device_id":"barrier-1","checkpoint":"north","lane":"1","at":"\(time)","kind":"\(kind)"\(extra)}
            """
    }

    static var jpeg: Data {
        get throws { Data(try JPEGEncoder().encode(YCbCrImage(grey: Plane(width: 64, height: 32, filledWith: 120)))) }
    }

    @Test func anEventIsStoredOnceAndAResendGetsTheSameAnswer() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let device = harness.tokens[.device]
            let at = Date().addingTimeInterval(-5)
            let first = try await client.call(.post, "/api/v1/events", token: device, body: Self.event("gate_opened", at: at))
            #expect(first.status == .created && first.json["duplicate"] as? Bool == false)
            let again = try await client.call(.post, "/api/v1/events", token: device, body: Self.event("gate_opened", at: at))
            #expect(again.status == .ok && again.json["duplicate"] as? Bool == true)
            #expect(again.json["id"] as? Int == first.json["id"] as? Int)
            // The same id with other content: the device reuses ids, which is refused.
            let reused = try await client.call(.post, "/api/v1/events", token: device, body: Self.event("gate_closed", at: at))
            #expect(reused.status == .conflict && reused.hasErrorShape)
            let stored = try await harness.store.gateEvents(checkpoint: "north", lane: "1", from: at.addingTimeInterval(-1),
                                                            to: at.addingTimeInterval(1))
            #expect(stored.map(\.kind) == ["gate_opened"])
            #expect(try await client.call(.post, "/api/v1/events", token: harness.tokens[.staff],
                                          body: Self.event("gate_opened", id: "x")).status == .forbidden)
        }
    }

    @Test(arguments: [
        ("teleport", "", "'kind' must be one of: card_scan, plate_read, gate_opened"),
        ("plate_read", "", "plate_read needs 'plate'"),
        ("plate_read", #","plate":"京A5R319","confidence":1.5"#, "'confidence' from 0 to 1"),
        ("plate_read", #","plate":"京A5R319","confidence":0.9,"image_base64":"bm90IGEganBlZw==""#, "base64 JPEG"),
        ("plate_read", #","plate":"京A5R319","confidence":0.9,"plate_colour":"purple""#, "'plate_colour' must be one of: blue, yellow, green, white, black"),
        ("gate_opened", #","plate":"京A5R319""#, "'plate' is not a field of gate_opened events"),
        ("gate_opened", #","plate_colour":"blue""#, "'plate_colour' is not a field of gate_opened events"),
        ("manual_open", #","operator":"wang""#, "manual_open needs 'reason'"),
        ("card_scan", #","token":"x""#, "card_scan needs 'direction'"),
    ])
    func badEventsAreRefusedWithTheFieldAndWhy(kind: String, extra: String, message: String) async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let response = try await client.call(.post, "/api/v1/events", token: harness.tokens[.device],
                                                 body: Self.event(kind, extra: extra))
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains(message), "\(response.text)")
        }
    }

    @Test func timesFarFromNowAndAMissingEnvelopeFieldAreRefused() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let device = harness.tokens[.device]
            let future = try await client.call(.post, "/api/v1/events", token: device,
                                               body: Self.event("gate_opened", at: Date().addingTimeInterval(3600)))
            #expect(future.status == .unprocessableContent && future.text.contains("future"))
            let missing = try await client.call(.post, "/api/v1/events", token: device,
                                                body: #"{"event_id":"1","device_id":"d","checkpoint":"n","at":"2026-01-01T00:00:00Z","kind":"gate_opened"}"#)
            #expect(missing.status == .unprocessableContent && missing.text.contains("lane"))
        }
    }

    @Test func aPushedPlateReadKeepsItsPictureByHashAndAManualOpenIsAudited() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let device = harness.tokens[.device]
            let picture = try Self.jpeg
            let read = try await client.call(.post, "/api/v1/events", token: device, body: Self.event(
                "plate_read", extra: #","plate":"京A·5R319","confidence":0.93,"direction":"in","plate_colour":"Yellow","image_base64":"\#(picture.base64EncodedString())""#))
            #expect(read.status == .created)
            let stored = try #require(try await harness.store.gateEvents(checkpoint: "north", lane: "1", from: .distantPast,
                                                                         to: .distantFuture).first)
            #expect(stored.detail["plate"] == "京A5R319" && stored.detail["raw_plate"] == "京A·5R319")
            #expect(stored.detail["plate_colour"] == "yellow", "the camera's colour is kept, in the reader's names")
            let path = try #require(stored.snapshotPath)
            #expect(harness.store.snapshots.load(path) == picture)
            #expect(path.contains(try #require(stored.snapshotSHA256)))

            let open = try await client.call(.post, "/api/v1/events", token: device, body: Self.event(
                "manual_open", id: "e-2", extra: #","operator":"guard wang","reason":"ambulance""#))
            #expect(open.status == .created)
            let audit = try await harness.store.auditEntries(.init(action: "gate.manual_open"))
            #expect(audit.first?.detail["operator"] == "guard wang")
        }
    }

    @Test func aCardScanEventGoesThroughTheScanLogic() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let response = try await client.call(.post, "/api/v1/events", token: harness.tokens[.device], body: Self.event(
                "card_scan", extra: #","token":"not-a-card","direction":"in""#))
            #expect(response.status == .created)
            let scan = try #require(response.json["scan"] as? [String: Any])
            #expect(scan["verdict"] as? String == "deny")
            #expect((scan["reason"] as? [String: Any])?["code"] as? String == "malformed")
        }
    }

    /// An ANPR alert as a Hikvision camera pushes it (layout from the ISAPI documentation, values made up).
    static func isapiXML(plate: String = "京A5R319", type: String = "ANPR", time: String? = nil) -> String {
        let stamp = time ?? ISO8601DateFormatter().string(from: Date().addingTimeInterval(-2))
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">
            <ipAddress>127.0.0.1</ipAddress>
            <portNo>80</portNo>
            <protocol>HTTP</protocol>
            <macAddress>bc:ad:28:00:00:01</macAddress>
            <channelID>1</channelID>
            <dateTime>\(stamp)</dateTime>
            <activePostCount>1</activePostCount>
            <eventType>\(type)</eventType>
            <eventState>active</eventState>
            <eventDescription>ANPR</eventDescription>
            <channelName>Gate North</channelName>
            <ANPR>
                <country>3</country>
                <licensePlate>\(plate)</licensePlate>
                <line>1</line>
                <direction>forward</direction>
                <confidenceLevel>97</confidenceLevel>
                <plateType>92TypeCivil</plateType>
                <plateColor>blue</plateColor>
                <licenseBright>0</licenseBright>
                <pictureInfoList>
                    <pictureInfo><fileName>licensePlatePicture.jpg</fileName><type>licensePlatePicture</type></pictureInfo>
                    <pictureInfo><fileName>detectionPicture.jpg</fileName><type>detectionPicture</type></pictureInfo>
                </pictureInfoList>
            </ANPR>
            <picNum>2</picNum>
            <isDataRetransmission>false</isDataRetransmission>
            </EventNotificationAlert>
            """
    }

    @Test func hikvisionANPRAlertsBecomePlateReadsWithTheirPicture() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let device = harness.tokens[.device]
            let uri = "/api/v1/events/isapi?checkpoint=north&lane=1"
            // XML alone; the camera resends the same alert.
            let alert = Self.isapiXML()
            let plain = try await client.call(.post, uri, token: device, body: alert, contentType: "application/xml")
            #expect(plain.status == .created && plain.json["kind"] as? String == "plate_read")
            #expect(try await client.call(.post, uri, token: device, body: alert, contentType: "application/xml")
                .json["duplicate"] as? Bool == true)

            // Multipart with the pictures, as the camera sends it by default.
            let boundary = "MIME_boundary"
            let picture = try Self.jpeg
            var body = Data()
            func part(_ name: String, _ type: String, _ data: Data) {
                body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(name)\"\r\nContent-Type: \(type)\r\n\r\n".utf8))
                body.append(data)
                body.append(Data("\r\n".utf8))
            }
            part("anpr.xml", "text/xml", Data(Self.isapiXML(plate: "沪C8K2Q7").utf8))
            part("licensePlatePicture.jpg", "image/jpeg", Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]))
            part("detectionPicture.jpg", "image/jpeg", picture)
            body.append(Data("--\(boundary)--\r\n".utf8))
            var headers: HTTPFields = [.authorization: "Bearer \(try #require(device))",
                                       .contentType: "multipart/form-data; boundary=\(boundary)"]
            headers[.contentLength] = String(body.count)
            let multipart = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(data: body))
            #expect(multipart.status == .created)
            let stored = try await harness.store.gateEvents(checkpoint: "north", lane: "1", from: .distantPast, to: .distantFuture)
            #expect(stored.map { $0.detail["plate"] } == ["京A5R319", "沪C8K2Q7"])
            #expect(stored[0].deviceID == "isapi-bcad28000001-1" && stored[0].detail["confidence"] == "0.97")
            #expect(stored[0].detail["plate_colour"] == "blue")
            #expect(harness.store.snapshots.load(try #require(stored[1].snapshotPath)) == picture)

            // Heartbeats and unreadable plates are acknowledged and ignored; a body that is not ISAPI is refused.
            let heartbeat = try await client.call(.post, uri, token: device, body: Self.isapiXML(type: "videoloss"), contentType: "application/xml")
            #expect(heartbeat.status == .ok && heartbeat.json["ignored"] as? String == "videoloss")
            let noPlate = try await client.call(.post, uri, token: device, body: Self.isapiXML(plate: "无车牌"), contentType: "application/xml")
            #expect(noPlate.status == .ok)
            let junk = try await client.call(.post, uri, token: device, body: "<html/>", contentType: "application/xml")
            #expect(junk.status == .unprocessableContent)
            let unplaced = try await client.call(.post, "/api/v1/events/isapi", token: device, body: Self.isapiXML(), contentType: "application/xml")
            #expect(unplaced.status == .unprocessableContent && unplaced.text.contains("checkpoint=NAME"))
        }
    }
}
