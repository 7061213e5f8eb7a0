import Foundation
import Testing
import TestSupport
@testable import Daemon

@Suite struct SystemdNotifierTests {
    @Test func sendsOneDatagramOfKeyValueLines() throws {
        let dir = try TemporaryDirectory()
        let listener = try DatagramListener(path: dir.file("notify.sock").path)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "2000000"])
        #expect(notifier.isEnabled)
        #expect(notifier.watchdogInterval == .seconds(2))
        #expect(notifier.notify(["READY=1", "STATUS=listening\non two lines"]))
        #expect(listener.receive(timeout: .seconds(20)) == "READY=1\nSTATUS=listening on two lines")
    }

    @Test func withoutNotifySocketEverySendIsANoOp() {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isEnabled)
        #expect(notifier.watchdogInterval == nil)
        #expect(!notifier.notify(["READY=1"]))
    }

    @Test func watchdogMeantForAnotherProcessIsIgnored() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"])
        #expect(notifier.watchdogInterval == nil)
    }
}

@Suite struct LineLogHandlerTests {
    @Test func journaldLinesCarryPriorityAndNoNewlines() {
        #expect(LineLogHandler.priority(.error) == 3)
        #expect(LineLogHandler.priority(.info) == 6)
        #expect(LineLogHandler.escape("a\nb") == "a\\nb")
    }
}
