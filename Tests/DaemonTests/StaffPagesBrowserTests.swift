import Foundation
import Testing
import TestSupport

/// A guard's whole flow in a real headless Chromium: sign in, issue a card, print it
/// (the printed QR decodes back to the token with zbarimg), scan it (allow), revoke it, scan again (deny — revoked).
@Suite(.serialized) struct StaffPagesBrowserTests {
    @Test func guardIssuesPrintsScansAndRevokesACard() async throws {
        let fixture = try ConfigFixture(port: try freePort())
        let daemon = try DaemonProcess(fixture: fixture)
        #expect(await daemon.waitUntilHealthy(), "\(daemon.log)")
        let admin = try String(contentsOf: fixture.bootstrapTokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let created = try runTool(BuildProducts.executable("checkpoint").path,
                                  ["user", "create", "--name", "guard", "--role", "staff", "--config", fixture.configPath],
                                  stdin: "correct horse battery\n")
        #expect(created.status == 0)

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
        let decoded = try runTool("/usr/bin/zbarimg", ["--raw", "-q", image.path])
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
}
