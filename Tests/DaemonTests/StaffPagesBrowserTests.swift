import Foundation
import Testing
import TestSupport

/// A guard's whole flow in a real headless Chromium: sign in, issue a card, print it
/// (the printed QR decodes back to the token with zbarimg), scan it (allow), revoke it, scan again (deny — revoked).
@Suite(.serialized) struct StaffPagesBrowserTests {
    @Test func guardIssuesPrintsScansAndRevokesACard() async throws {
        let started = try await startDaemonWithPerson("guard", role: "staff")
        let (fixture, admin) = (started.fixture, started.admin)
        let daemon = started.daemon

        let browser = try await WebDriver()
        let base = "http://127.0.0.1:\(fixture.port)"

        // Sign in (a wrong password first).
        try await browser.open(base + "/scan")
        #expect(try await browser.currentURL().hasSuffix("/login"))
        try await browser.type("#user", "guard")
        try await browser.type("#password", "wrong password!")
        try await browser.click("#login-form button")
        #expect(await browser.waitForText(".error") { $0.contains("Wrong user or password") }.contains("Wrong"))
        try await browser.type("#user", "guard")
        try await browser.type("#password", "correct horse battery")
        try await browser.click("#login-form button")
        _ = await DaemonProcess.eventually { (try? await browser.currentURL())?.hasSuffix("/scan") == true }

        // Issue a card.
        try await browser.open(base + "/cards/new")
        try await browser.type("#name", "Wang Fang")
        try await browser.type("#building", "12")
        try await browser.type("#entrance", "1")
        try await browser.type("#room", "502")
        try await browser.click("#card-form button")
        _ = await DaemonProcess.eventually { (try? await browser.currentURL())?.hasSuffix("/print") == true }
        let printURL = try await browser.currentURL()
        let cardID = try #require(printURL.split(separator: "/").dropLast().last.map(String.init))
        #expect(try await browser.text("#printed-card").contains("Wang Fang"))

        // The printed QR decodes back to the card's token.
        let card = try await HTTP.get(port: fixture.port, "/api/v1/cards/\(cardID)", token: admin)
        let token = try #require(card.json["token"] as? String)
        let image = fixture.directory.file("printed-qr.png")
        try await browser.screenshot("#card-qr").write(to: image)
        let decoded = try await runToolOffPool("/usr/bin/zbarimg", ["--raw", "-q", image.path])
        #expect(decoded.output.trimmingCharacters(in: .whitespacesAndNewlines) == token)

        // Scan: allow.
        try await browser.open(base + "/scan?checkpoint=main-gate&lane=1")
        try await browser.type("#scan-input", token + "\u{E007}")
        let allowed = await browser.waitForText("#verdict") { $0 == "ALLOW" || $0 == "DENY" || $0 == "ALERT" }
        #expect(allowed == "ALLOW")
        #expect(try await browser.text("#holder").contains("Wang Fang"))
        #expect(await browser.waitForText("#entries") { $0.contains("Wang Fang") }.contains("ALLOW"))
        if let folder = ProcessInfo.processInfo.environment["CHECKPOINTD_SCREENSHOTS"] {
            try? await browser.screenshot().write(to: URL(fileURLWithPath: folder).appendingPathComponent("scan-page-allow.png"))
        }

        // Revoke from the print page, then scan again: deny — revoked.
        try await browser.open(printURL)
        try await browser.type("#reason", "lost card reported")
        try await browser.click("#revoke-form button")
        #expect(await browser.waitForText("#card-status") { $0 == "revoked" } == "revoked")
        try await browser.open(base + "/scan?checkpoint=main-gate&lane=1&direction=out")
        try await browser.type("#scan-input", token + "\u{E007}")
        let denied = await browser.waitForText("#verdict") { $0 == "DENY" || $0 == "ALLOW" }
        #expect(denied == "DENY")
        #expect(try await browser.text("#reason").contains("revoked"))
        if let folder = ProcessInfo.processInfo.environment["CHECKPOINTD_SCREENSHOTS"] {
            try? await browser.screenshot().write(to: URL(fileURLWithPath: folder).appendingPathComponent("scan-page-deny.png"))
        }

        // Find the card again by the holder's name: it is listed as revoked.
        try await browser.open(base + "/cards")
        try await browser.type("#s-name", "Wang")
        try await browser.click("#search-form button")
        #expect(await browser.waitForText("#results") { $0.contains("Wang Fang") }.contains("revoked"))

        await browser.quit()
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0)
    }

    /// The lane view in a real headless Chromium: passages pushed by a gate camera appear on the open page
    /// as they are decided (server-sent events), with picture, plate, verdict and reason; the watchlisted
    /// plate shows as an alert; stopping the daemon with the page open still exits cleanly.
    @Test func theLaneViewShowsPassagesAsTheyAreDecided() async throws {
        let started = try await startDaemonWithPerson("guard", role: "staff")
        let (fixture, admin) = (started.fixture, started.admin)
        let daemon = started.daemon
        let port = fixture.port
        let listed = try await HTTP.send(port: port, .post, "/api/v1/watchlists/entries", token: admin, json: """
            {"kind":"plate","value":"粤BD27584","reason":"reported stolen","severity":"critical"}
            """)
        #expect(listed.status == .created, "\(listed.text)")
        let picture = fixture.directory.file("car.jpg")
        #expect(try await runToolOffPool("/usr/bin/ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x180", "-frames:v", "1", "-y",
                                                picture.path]).status == 0)
        let jpeg = try Data(contentsOf: picture).base64EncodedString()

        let browser = try await WebDriver()
        let base = "http://127.0.0.1:\(port)"
        try await browser.open(base + "/login")
        try await browser.type("#user", "guard")
        try await browser.type("#password", "correct horse battery")
        try await browser.click("#login-form button")
        _ = await DaemonProcess.eventually { (try? await browser.currentURL())?.hasSuffix("/scan") == true }
        try await browser.open(base + "/lane?checkpoint=main-gate&lane=1")
        #expect(await browser.waitForText("#live-status") { $0 == "live" } == "live")

        func push(_ id: String, _ plate: String, colour: String? = nil, secondsAgo: Double) async throws -> Int {
            let at = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-secondsAgo))
            let told = colour.map { #","plate_colour":"\#($0)""# } ?? ""
            let response = try await HTTP.send(port: port, .post, "/api/v1/events", token: admin, json: """
                {"event_id":"\(id)","device_id":"lpr-1","checkpoint":"main-gate","lane":"1","at":"\(at)","kind":"plate_read",\
                "plate":"\(plate)","confidence":0.97,"direction":"in"\(told),"image_base64":"\(jpeg)"}
                """)
            return Int(response.status.code)
        }
        #expect(try await push("r-1", "川AF369W1", colour: "green", secondsAgo: 60) == 201)
        #expect(await browser.waitForText("#lane-rows") { $0.contains("川AF369W1") }.contains("川AF369W1"))
        // The camera told the colour of this new-energy plate: the row shows it; the next one was not told.
        let colours = try await browser.execute("return [...document.querySelectorAll('#lane-rows td.plate .plate-colour')].map(s => s.textContent)")
        #expect(colours as? [String] == ["green"])
        #expect(try await push("r-2", "粤BD27584", secondsAgo: 1) == 201)
        let rows = await browser.waitForText("#lane-rows") { $0.contains("粤BD27584") }
        #expect(rows.contains("ALERT") && rows.contains("reported stolen"), "\(rows)")
        // Newest first, one row per passage, and the picture is shown.
        let order = try await browser.execute("return [...document.querySelectorAll('#lane-rows td.plate')].map(td => td.textContent)")
        #expect((order as? [String])?.map { $0.split(separator: " ").first.map(String.init) ?? "" } == ["粤BD27584", "川AF369W1"])
        let coloured = try await browser.execute("return [...document.querySelectorAll('#lane-rows td.plate')].map(td => td.querySelector('.plate-colour') !== null)")
        #expect(coloured as? [Bool] == [false, true], "only the row whose colour was told shows one")
        let loaded = await DaemonProcess.eventually {
            (try? await browser.execute("return [...document.querySelectorAll('#lane-rows img')].every(i => i.complete && i.naturalWidth == 320)")) as? Bool == true
        }
        #expect(loaded, "the snapshots load on the page")
        if let folder = ProcessInfo.processInfo.environment["CHECKPOINTD_SCREENSHOTS"] {
            try? await browser.screenshot().write(to: URL(fileURLWithPath: folder).appendingPathComponent("lane-view.png"))
        }

        // The daemon stops with the stream open: it ends the stream and exits cleanly; the page says so.
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: .seconds(15)) == 0, "\(daemon.log)")
        #expect(await browser.waitForText("#live-status") { $0 != "live" } != "live")
        await browser.quit()
    }
}
