import Alerting
import Foundation
import Registry
import Testing
import TestSupport
@testable import Config

/// `alerts:` and `cases:`: rules, quiet hours, windows, targets with secrets from files or the environment.
struct AlertingConfigTests {
    static let sections = """
        alerts:
          dedup_minutes: 15
          escalate_after_minutes: 3
          max_escalations: 2
          default_action: live
          quiet_hours:
            "*": "23:00-06:00"
            north-gate: "22:00-07:00"
          rules:
            - kinds: [watchlist_hit, gate_forced]
              min_severity: warning
              action: case
            - kinds: [camera_frozen]
              action: record
        cases:
          targets:
            - name: grid
              kind: open311
              endpoint: http://127.0.0.1:9/open311/v2
              api_key_file: grid.key
              service_code: checkpoint-alert
              poll_seconds: 30
            - name: ops
              kind: webhook
              url: http://127.0.0.1:9/hook
              secret_env: OPS_SECRET
        """

    @Test func sectionsLoadIntoRulesAndTargets() throws {
        let fixture = try ConfigFixture(extra: Self.sections)
        _ = try fixture.directory.write("grid-api-key\n", to: "grid.key")
        let config = try ConfigLoader(environment: ["OPS_SECRET": "0123456789abcdef0123"]).load(path: fixture.configPath)
        let rules = config.alerting.rules
        #expect(rules.dedupWindow == 900 && rules.escalateAfter == 180 && rules.maxEscalations == 2)
        #expect(rules.quietHours["*"] == AllowedHours("23:00-06:00") && rules.quietHours["north-gate"] != nil)
        #expect(rules.action(kind: "gate_forced", severity: .warning, checkpoint: "x") == .openCase)
        #expect(rules.action(kind: "camera_frozen", severity: .critical, checkpoint: "x") == .record)
        #expect(rules.action(kind: "tailgating", severity: .critical, checkpoint: "x") == .live)
        #expect(config.alerting.targets.map(\.target) == [.init(name: "grid", kind: .open311), .init(name: "ops", kind: .webhook)])
        #expect(config.alerting.targets[0].open311?.apiKey == "grid-api-key" && config.alerting.targets[0].open311?.pollSeconds == 30)
        #expect(config.alerting.targets[1].webhook?.secret == Data("0123456789abcdef0123".utf8))
    }

    @Test(arguments: [
        ("min_severity: warning", "min_severity: loud", "must be one of"),
        ("poll_seconds: 30", "poll_seconds: 30\n      url2: x", "unknown key"),
        ("secret_env: OPS_SECRET", "secret_env: MISSING_VAR", "MISSING_VAR, which is not set"),
        ("endpoint: http://127.0.0.1:9/open311/v2", "endpoint: ftp://grid", "http:// or https://"),
        ("\"*\": \"23:00-06:00\"", "\"*\": \"late\"", "daily window"),
    ])
    func mistakesAreNamed(good: String, bad: String, message: String) throws {
        let fixture = try ConfigFixture(extra: Self.sections.replacingOccurrences(of: good, with: bad))
        _ = try fixture.directory.write("grid-api-key\n", to: "grid.key")
        #expect {
            _ = try ConfigLoader(environment: ["OPS_SECRET": "0123456789abcdef0123"]).load(path: fixture.configPath)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func withoutTheSectionsCriticalAlertsOpenCasesAndNothingIsDelivered() throws {
        let fixture = try ConfigFixture()
        let config = try ConfigLoader(environment: [:]).load(path: fixture.configPath)
        #expect(config.alerting.targets.isEmpty)
        #expect(config.alerting.rules.action(kind: "watchlist_hit", severity: .critical, checkpoint: nil) == .openCase)
        #expect(config.alerting.rules.dedupWindow == 600 && config.alerting.rules.escalateAfter == 300)
    }
}
