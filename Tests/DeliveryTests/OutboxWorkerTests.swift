import Access
import Alerting
import Checkpoint
@testable import Config
import Foundation
import Logging
import Registry
import Store
import Testing
import TestSupport
@testable import Delivery

/// The outbox against real receivers on loopback that fail on demand. The worker's clock is driven by the test
/// (`deliverDue(now:)`), so backoff is checked without waiting for it.
struct OutboxWorkerTests {
    static let zone = TimeZone(identifier: "UTC")!

    static func webhook(_ port: Int, secret: Data) -> CaseTargetConfig {
        CaseTargetConfig(name: "ops", open311: nil, webhook: .init(url: URL(string: "http://127.0.0.1:\(port)/hook")!, secret: secret),
                         timeoutSeconds: 30)
    }

    static func open311(_ port: Int) -> CaseTargetConfig {
        CaseTargetConfig(name: "grid", open311: .init(endpoint: URL(string: "http://127.0.0.1:\(port)/open311")!, apiKey: "grid-key",
                                                      serviceCode: "checkpoint-alert", jurisdictionID: nil, address: nil,
                                                      latitude: nil, longitude: nil, pollSeconds: 60),
                         webhook: nil, timeoutSeconds: 30)
    }

    /// A store with one critical watchlist hit, which opens a case.
    static func storeWithACase(targets: [CaseTargetConfig]) async throws -> (TemporaryDirectory, Store) {
        let dir = try TemporaryDirectory()
        let store = try Store(stateDirectory: dir.url)
        store.configureAlerting(AlertingSetup(rules: AlertRules(timeZone: zone), targets: targets.map(\.target), community: "test"))
        let entry = WatchlistEntry(id: "w1", kind: .plate, value: "粤BD27584", reason: "stolen", severity: .critical, createdBy: "s",
                                   createdAt: Date())
        let context = DecisionContext(registrations: [], watchlist: [entry], policy: CheckpointPolicy(timeZone: zone))
        let sighting = VehicleSighting(plate: "粤BD27584", confidence: 0.95, at: Date(), source: "cam-1", snapshot: nil)
        _ = try await store.recordPassage(EntryDecider.decide(Passage(checkpoint: "north", lane: "1", vehicles: [sighting]),
                                                              context: context)[0], sourceKey: "k1")
        return (dir, store)
    }

    static var quiet: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    @Test func aWebhookIsDeliveredExactlyOnceAfterFailuresSignedAndWithOneKey() async throws {
        let receiver = Receiver()
        try await receiver.run { port in
            let target = Self.webhook(port, secret: receiver.secret)
            let (dir, store) = try await Self.storeWithACase(targets: [target])
            defer { withExtendedLifetime(dir) {} }
            let worker = OutboxWorker(store: store, targets: [target], retry: DeliveryRetry(base: 1, cap: 8), logger: Self.quiet)
            receiver.fail(503, 500)
            var now = Date()
            for _ in 0..<6 {
                await worker.deliverDue(now: now)
                now = now.addingTimeInterval(10)  // past any backoff of this policy
            }
            let item = try #require(try await store.outbox().first)
            #expect(item.state == .delivered && item.attempts == 3 && item.lastStatus == 202)
            #expect(receiver.requests.count == 3, "two failures, one success, then nothing more")
            #expect(Set(receiver.requests.map { $0.headers[.init("Idempotency-Key")!] }).count == 1, "the same key on every attempt")
            #expect(receiver.accepted == [item.idempotencyKey])
            let body = try #require(try JSONSerialization.jsonObject(with: receiver.requests[2].body) as? [String: Any])
            #expect(body["event"] as? String == "case.opened" && (body["alert"] as? [String: Any])?["plate"] as? String == "粤BD27584")
        }
    }

    @Test func retryAfterIsHonouredAndARefusalIsFailedVisibleAndRetryable() async throws {
        let receiver = Receiver()
        try await receiver.run { port in
            let target = Self.webhook(port, secret: receiver.secret)
            let (dir, store) = try await Self.storeWithACase(targets: [target])
            defer { withExtendedLifetime(dir) {} }
            let worker = OutboxWorker(store: store, targets: [target], retry: DeliveryRetry(base: 1, cap: 8), logger: Self.quiet)
            receiver.script([.init(status: 429, retryAfter: "120")])
            let t0 = Date()
            await worker.deliverDue(now: t0)
            var item = try #require(try await store.outbox().first)
            #expect(item.state == .pending && item.lastStatus == 429)
            #expect(item.nextAttemptAt.timeIntervalSince(t0) >= 119, "Retry-After: 120 is honoured")
            await worker.deliverDue(now: t0.addingTimeInterval(60))
            #expect(receiver.requests.count == 1, "not before the receiver said")

            receiver.script([.init(status: 400, body: #"{"error":{"message":"unknown checkpoint north"}}"#)])
            var when = t0.addingTimeInterval(121)
            for _ in 0..<3 {
                await worker.deliverDue(now: when)
                // On a loaded machine a kept-alive connection the receiver has closed can fail before the request
                // reaches it: a network error, retried like any other. Only an answer from the receiver counts here.
                guard let pending = try await store.outbox(state: .pending).first, pending.lastStatus != 400 else { break }
                when = pending.nextAttemptAt.addingTimeInterval(1)
            }
            let all = try await store.outbox()
            item = try #require(try await store.outbox(state: .failed).first, "\(all.map { ($0.state, $0.lastStatus, $0.lastError) })")
            #expect(item.lastStatus == 400 && item.lastError == "HTTP 400: unknown checkpoint north")
            await worker.deliverDue(now: t0.addingTimeInterval(9999))
            #expect(receiver.requests.count == 2, "a refused delivery is not retried by itself")

            _ = try await store.retryDelivery(item.id, by: .system)
            await worker.deliverDue(now: Date())
            #expect(try await store.outbox().first?.state == .delivered)
            #expect(receiver.accepted.count == 1)
        }
    }

    @Test func anOpen311RequestIsFiledItsIdKeptAndItsClosingMirrored() async throws {
        let receiver = Receiver()
        try await receiver.run { port in
            let target = Self.open311(port)
            let (dir, store) = try await Self.storeWithACase(targets: [target])
            defer { withExtendedLifetime(dir) {} }
            let worker = OutboxWorker(store: store, targets: [target], logger: Self.quiet)
            await worker.deliverDue(now: Date())
            let form = Receiver.form(String(decoding: try #require(receiver.requests.first).body, as: UTF8.self))
            #expect(form["service_code"] == "checkpoint-alert" && form["api_key"] == "grid-key")
            #expect(form["address_string"] == "test, north" && form["attribute[plate]"] == "粤BD27584")
            #expect(form["description"]?.contains("粤BD27584 is on the watchlist") == true)
            let caseID = try #require(try await store.outbox().first?.caseID)
            let admin = Principal.system
            #expect(try await store.caseRecord(caseID, by: admin)?.externalRef == "SR-1001")

            await worker.pollOnce(target)
            #expect(try await store.caseRecord(caseID, by: admin)?.state == .new, "still open in the grid")
            receiver.close(notes: "patrol found the car; owner contacted")
            await worker.pollOnce(target)
            let record = try #require(try await store.caseRecord(caseID, by: admin))
            #expect(record.state == .resolved && record.externalStatus == "closed")
            #expect(record.transitions.last?.actor == "grid:grid" && record.transitions.last?.note == "patrol found the car; owner contacted")
        }
    }

    @Test func anOpen311TokenIsResolvedToItsRequestID() async throws {
        let receiver = Receiver()
        receiver.answerWithToken()
        try await receiver.run { port in
            let target = Self.open311(port)
            let (dir, store) = try await Self.storeWithACase(targets: [target])
            defer { withExtendedLifetime(dir) {} }
            let worker = OutboxWorker(store: store, targets: [target], logger: Self.quiet)
            await worker.deliverDue(now: Date())
            let caseID = try #require(try await store.outbox().first?.caseID)
            #expect(try await store.externalCasesToPoll().first?.token == "tok-77")
            await worker.pollOnce(target)
            #expect(try await store.caseRecord(caseID, by: .system)?.externalRef == "SR-2002")
        }
    }

    @Test func aWrongAPIKeyIsARefusalWithTheReceiversMessage() async throws {
        let receiver = Receiver()
        try await receiver.run { port in
            var target = Self.open311(port)
            target.open311?.apiKey = "wrong"
            let (dir, store) = try await Self.storeWithACase(targets: [target])
            defer { withExtendedLifetime(dir) {} }
            await OutboxWorker(store: store, targets: [target], logger: Self.quiet).deliverDue(now: Date())
            let item = try #require(try await store.outbox(state: .failed).first)
            #expect(item.lastError == "HTTP 403: Invalid api_key")
        }
    }

    /// The worker sleeps until a commit or the next due row: idle, it looks at the outbox once, not in a loop;
    /// a new case wakes it at once.
    @Test func anIdleWorkerSleepsAndACommitWakesIt() async throws {
        let receiver = Receiver()
        try await receiver.run { port in
            let target = Self.webhook(port, secret: receiver.secret)
            let dir = try TemporaryDirectory()
            defer { withExtendedLifetime(dir) {} }
            let store = try Store(stateDirectory: dir.url)
            store.configureAlerting(AlertingSetup(rules: AlertRules(timeZone: Self.zone), targets: [target.target], community: "test"))
            let worker = OutboxWorker(store: store, targets: [target], idle: .seconds(30), logger: Self.quiet)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                #expect(await DaemonProcess.eventually(timeout: .seconds(10)) { worker.passes.withLock { $0 } >= 1 })
                try await Task.sleep(for: .seconds(1))
                #expect(worker.passes.withLock { $0 } == 1, "one look, then asleep")
                _ = try await store.raiseCameraAlert(NewAlert(kind: "gate_forced", severity: .critical, raisedAt: Date(),
                                                              checkpoint: "north", message: "gate forced"))
                let delivered = await DaemonProcess.eventually(timeout: .seconds(30)) { receiver.accepted.count == 1 }
                #expect(delivered, "a commit wakes the worker")
                try await Task.sleep(for: .milliseconds(500))
                #expect(worker.passes.withLock { $0 } <= 4)
                group.cancelAll()
            }
        }
    }
}
