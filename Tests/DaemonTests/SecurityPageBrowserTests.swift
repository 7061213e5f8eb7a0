import Foundation
import Testing
import TestSupport

/// The security centre's page in a real headless Chromium: a watchlisted plate pushed by a gate camera appears
/// on the open page within a second, with its case; acknowledging it works; the page survives the daemon
/// restarting (it reconnects and shows what happened meanwhile, without doubling a row).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SecurityPageBrowserTests {
    @Test func anAlertAppearsLiveIsAcknowledgedAndThePageSurvivesARestart() async throws {
        let started = try await startDaemonWithPerson("centre", role: "security")
        let (fixture, admin) = (started.fixture, started.admin)
        var daemon = started.daemon
        let port = fixture.port
        for plate in ["粤BD27584", "京A00001"] {
            let listed = try await HTTP.send(port: port, .post, "/api/v1/watchlists/entries", token: admin, json: """
                {"kind":"plate","value":"\(plate)","reason":"reported stolen","severity":"critical"}
                """)
            #expect(listed.status == .created, "\(listed.text)")
        }
        func push(_ id: String, _ plate: String, colour: String? = nil) async throws {
            let at = ISO8601DateFormatter().string(from: Date())
            let told = colour.map { #","plate_colour":"\#($0)""# } ?? ""
            let response = try await HTTP.send(port: port, .post, "/api/v1/events", token: admin, json: """
                {"event_id":"\(id)","device_id":"lpr-1","checkpoint":"main-gate","lane":"1","at":"\(at)","kind":"plate_read",\
                "plate":"\(plate)","confidence":0.97,"direction":"in"\(told)}
                """)
            #expect(response.status == .created, "\(response.text)")
        }

        let browser = try await WebDriver()
        let base = "http://127.0.0.1:\(port)"
        try await browser.open(base + "/login")
        try await browser.type("#user", "centre")
        try await browser.type("#password", "correct horse battery")
        try await browser.click("#login-form button")
        #expect(await DaemonProcess.eventually { (try? await browser.currentURL())?.hasSuffix("/security") == true })
        #expect(await browser.waitForText("#live-status") { $0 == "live" } == "live")

        // Live within a second of the event. The page stamps the moment the row appears (a MutationObserver, on
        // the same wall clock as this process), so WebDriver's polling round trips are not counted as latency;
        // as before, it is counted from the gate's event being accepted.
        _ = try await browser.execute("""
            window.seenAt = null;
            new MutationObserver(() => {
                if (window.seenAt === null && document.querySelector('#alert-list').textContent.includes('粤BD27584')) {
                    window.seenAt = Date.now();
                }
            }).observe(document.querySelector('#alert-list'), {childList: true, subtree: true, characterData: true});
            """)
        try await push("r-1", "粤BD27584", colour: "yellow")
        let sent = Date()
        let shown = await browser.waitForText("#alert-list", timeout: .seconds(30)) { $0.contains("粤BD27584") }
        #expect(shown.contains("粤BD27584") && shown.contains("CRITICAL"), "\(shown)")
        #expect(shown.contains("yellow plate"), "the camera told the plate's colour: the alert shows it")
        let seenAt = try await browser.execute("return window.seenAt") as? NSNumber
        let latency = seenAt.map { $0.doubleValue / 1000 - sent.timeIntervalSince1970 }
        #expect(latency.map { $0 < 1 } == true, "appeared \(latency.map { "after \($0) s" } ?? "without the page noticing")")
        #expect(await browser.waitForText("#alert-1") { $0.contains("case #1") }.contains("case #1"), "the rules opened a case")
        #expect(await browser.waitForText("#fig-open") { $0 == "1" } == "1")

        // Acknowledge with a note.
        try await browser.type("#alert-1 input.note", "patrol sent to the north gate")
        try await browser.click("#alert-1 .ack-button")
        let acked = await browser.waitForText("#alert-1") { $0.contains("acknowledged by centre") }
        #expect(acked.contains("patrol sent to the north gate"), "\(acked)")
        let stored = try await HTTP.get(port: port, "/api/v1/cases/1", token: admin)
        #expect(stored.json["state"] as? String == "acknowledged")
        if let folder = ProcessInfo.processInfo.environment["CHECKPOINTD_SCREENSHOTS"] {
            try? await browser.screenshot().write(to: URL(fileURLWithPath: folder).appendingPathComponent("security-page.png"))
        }

        // The server restarts with the page open; an alert raised after it is back shows up once.
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0, "\(daemon.log)")
        daemon = try DaemonProcess(fixture: fixture)
        #expect(await daemon.waitUntilHealthy(), "\(daemon.log)")
        #expect(await browser.waitForText("#live-status", timeout: .seconds(15)) { $0 == "live" } == "live")
        try await push("r-2", "京A00001")
        #expect(await browser.waitForText("#alert-list") { $0.contains("京A00001") }.contains("京A00001"))
        let count = try await browser.execute("return document.querySelectorAll('#alert-list article.alert').length")
        #expect(count as? Int == 2, "one row per alert, none doubled by the reconnect")
        await browser.quit()
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0)
    }
}
