import Foundation
import Registry
import Testing
@testable import Alerting

/// Routing, de-duplication, quiet hours and escalation, each with a chosen clock.
struct AlertRouterTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15 08:00 UTC
    static let rules = AlertRules(
        rules: [.init(kinds: ["watchlist_hit"], minSeverity: .critical, action: .openCase),
                .init(kinds: ["camera_frozen"], action: .record),
                .init(minSeverity: .warning, checkpoints: ["north"], action: .openCase)],
        quietHours: ["*": AllowedHours("22:00-06:00")!, "east": AllowedHours("07:00-09:00")!], timeZone: utc,
        dedupWindow: 600, escalateAfter: 300, maxEscalations: 2)

    static func facts(_ kind: String, _ severity: AlertSeverity, _ checkpoint: String? = "south", at: Date = t0,
                      subject: String? = "粤BD27584") -> AlertFacts {
        AlertFacts(kind: kind, severity: severity, checkpoint: checkpoint, subject: subject, at: at)
    }

    @Test(arguments: [
        // kind, severity, checkpoint, expected action — first matching rule wins, else live
        ("watchlist_hit", AlertSeverity.critical, "south", AlertAction.openCase),
        ("watchlist_hit", .warning, "south", .live),
        ("camera_frozen", .critical, "south", .record),
        ("tailgating", .warning, "north", .openCase),
        ("tailgating", .info, "north", .live),
        ("tailgating", .warning, "south", .live),
    ])
    func theFirstMatchingRuleDecides(kind: String, severity: AlertSeverity, checkpoint: String, expected: AlertAction) {
        #expect(AlertRouter.decide(Self.facts(kind, severity, checkpoint), latest: nil, rules: Self.rules)
                == .raise(expected, announce: true))
    }

    @Test(arguments: [
        // seconds after the last raising, expected merge
        (0.0, true), (599.0, true), (600.0, true), (601.0, false), (3600.0, false),
    ])
    func theSameSubjectWithinTheWindowIsOneAlert(after: Double, merges: Bool) {
        let latest = OpenAlert(id: 7, severity: .critical, raisedAt: Self.t0, lastRaisedAt: Self.t0)
        let decision = AlertRouter.decide(Self.facts("watchlist_hit", .critical, at: Self.t0.addingTimeInterval(after)),
                                          latest: latest, rules: Self.rules)
        #expect((decision == .repeatOf(7)) == merges)
    }

    @Test func aStreamOfRepeatsKeepsMergingFromTheLastOne() {
        // Raised at t0, repeated at +9 min: a read at +18 min is within 10 min of the last one.
        let latest = OpenAlert(id: 7, severity: .warning, raisedAt: Self.t0, lastRaisedAt: Self.t0.addingTimeInterval(540))
        #expect(AlertRouter.decide(Self.facts("tailgating", .warning, at: Self.t0.addingTimeInterval(1080)), latest: latest,
                                   rules: Self.rules) == .repeatOf(7))
    }

    @Test(arguments: [
        // hour (UTC), checkpoint, severity, announced
        (23, "south", AlertSeverity.warning, false), (5, "south", .info, false), (6, "south", .warning, true),
        (23, "south", .critical, true), (8, "east", .warning, false), (23, "east", .warning, true),
    ])
    func quietHoursSilenceAllButCritical(hour: Int, checkpoint: String, severity: AlertSeverity, announced: Bool) {
        let at = Date(timeIntervalSince1970: 1_799_971_200 + Double(hour) * 3600)  // 2027-01-15 00:00 UTC + hour
        guard case .raise(_, let announce) = AlertRouter.decide(Self.facts("tailgating", severity, checkpoint, at: at), latest: nil,
                                                                rules: Self.rules) else {
            Issue.record("expected a new alert")
            return
        }
        #expect(announce == announced)
    }

    @Test func unacknowledgedAlertsEscalateOneStepAtATimeUpToTheLimit() {
        let rules = Self.rules
        let warning = OpenAlert(id: 1, severity: .warning, raisedAt: Self.t0, lastRaisedAt: Self.t0)
        let info = OpenAlert(id: 2, severity: .info, raisedAt: Self.t0, lastRaisedAt: Self.t0)
        let acknowledged = OpenAlert(id: 3, severity: .critical, raisedAt: Self.t0, lastRaisedAt: Self.t0, acknowledged: true)
        #expect(AlertRouter.escalations([warning, info, acknowledged], rules: rules, now: Self.t0.addingTimeInterval(299)).isEmpty)
        #expect(AlertRouter.escalations([warning, info, acknowledged], rules: rules, now: Self.t0.addingTimeInterval(300))
                == [.init(id: 1, severity: .critical, level: 1)])
        // The next step waits from the last escalation.
        let once = OpenAlert(id: 1, severity: .critical, raisedAt: Self.t0, lastRaisedAt: Self.t0,
                             escalatedAt: Self.t0.addingTimeInterval(300), escalations: 1)
        #expect(AlertRouter.escalations([once], rules: rules, now: Self.t0.addingTimeInterval(599)).isEmpty)
        #expect(AlertRouter.escalations([once], rules: rules, now: Self.t0.addingTimeInterval(600))
                == [.init(id: 1, severity: .critical, level: 2)])
        var twice = once
        twice.escalations = 2
        #expect(AlertRouter.escalations([twice], rules: rules, now: Self.t0.addingTimeInterval(86_400)).isEmpty)
        var never = rules
        never.escalateAfter = nil
        #expect(AlertRouter.escalations([warning], rules: never, now: Self.t0.addingTimeInterval(86_400)).isEmpty)
    }

    @Test func caseStatesFollowTheTable() {
        #expect(CaseState.new.allows(.acknowledged) && CaseState.acknowledged.allows(.dispatched))
        #expect(CaseState.dispatched.allows(.resolved) && CaseState.resolved.allows(.closed))
        #expect(!CaseState.new.allows(.closed) && !CaseState.closed.allows(.new) && CaseState.rejected.isFinal)
        #expect(CaseState.allCases.filter(\.isFinal) == [.closed, .rejected])
    }
}

/// Retries of deliveries and the webhook's signature.
struct DeliveryTests {
    @Test(arguments: [(200, DeliveryRetry.Outcome.delivered), (201, .delivered), (429, .retry(after: nil)), (503, .retry(after: nil)),
                      (500, .retry(after: nil)), (400, .failed), (401, .failed), (404, .failed), (422, .failed)])
    func statusesDecideWhatHappens(status: Int, outcome: DeliveryRetry.Outcome) {
        #expect(DeliveryRetry.outcome(status: status) == outcome)
    }

    @Test func backoffDoublesUpToTheCapWithJitterAndHonoursRetryAfter() {
        let retry = DeliveryRetry(base: 2, cap: 60)
        #expect(retry.delay(afterAttempt: 1, retryAfter: nil) { $0.upperBound } == 2)
        #expect(retry.delay(afterAttempt: 4, retryAfter: nil) { $0.upperBound } == 16)
        #expect(retry.delay(afterAttempt: 10, retryAfter: nil) { $0.upperBound } == 60)
        #expect(retry.delay(afterAttempt: 4, retryAfter: nil) { _ in 0.5 } == 8)
        #expect(retry.delay(afterAttempt: 1, retryAfter: 30) { $0.upperBound } == 30, "Retry-After asks for longer")
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(DeliveryRetry.retryAfter("7", now: now) == 7)
        #expect(DeliveryRetry.retryAfter("Fri, 15 Jan 2027 08:00:10 GMT", now: now) == 10)
        #expect(DeliveryRetry.retryAfter("soon", now: now) == nil)
    }

    @Test func aSignedBodyVerifiesAndATamperedOrStaleOneDoesNot() {
        let secret = Data("s3cret-shared-with-the-grid".utf8)
        let body = Data(#"{"event":"case.opened","case":{"id":1}}"#.utf8)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let signature = WebhookSignature.sign(body: body, timestamp: 1_800_000_000, secret: secret)
        #expect(signature.hasPrefix("sha256=") && signature.count == 71)
        #expect(WebhookSignature.verify(body: body, timestamp: "1800000000", signature: signature, secret: secret, now: now))
        var tampered = body
        tampered[tampered.count - 2] = UInt8(ascii: "2")
        #expect(!WebhookSignature.verify(body: tampered, timestamp: "1800000000", signature: signature, secret: secret, now: now))
        #expect(!WebhookSignature.verify(body: body, timestamp: "1800000000", signature: signature, secret: Data("other".utf8), now: now))
        #expect(!WebhookSignature.verify(body: body, timestamp: "1800000000", signature: signature, secret: secret,
                                         now: now.addingTimeInterval(301)), "a replay outside the window fails")
    }
}
