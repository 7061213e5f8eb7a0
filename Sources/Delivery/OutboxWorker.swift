import Alerting
import AsyncHTTPClient
import Config
import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization

/// Delivers the outbox: every pending row that is due goes to its target; failures are retried with backoff
/// and jitter until the receiver accepts or refuses for good. Woken by commits, and by a timer for the next due
/// row. It also polls the Open311 target for the status of the cases it holds and mirrors it onto them.
/// All state is in the database, so a restart (even after SIGKILL) resumes where it stopped; a delivery in
/// flight at the crash is sent again with the same idempotency key.
public final class OutboxWorker: Service, Sendable {
    private let store: Store
    private let targets: Mutex<[String: CaseTargetConfig]>
    private let sender: CaseSender
    private let logger: Logger
    /// Looks at the outbox so far (an idle worker must not spin: tested).
    let passes = Mutex(0)
    /// Longest sleep between looks at the outbox (a safety net for rows written by another process).
    private let idle: Duration

    public init(store: Store, targets: [CaseTargetConfig], retry: DeliveryRetry = DeliveryRetry(), idle: Duration = .seconds(30),
                logger: Logger) {
        self.store = store
        self.targets = Mutex(Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { $1 }))
        self.sender = CaseSender(client: .shared, retry: retry)  // the process-wide client: no shutdown to forget
        self.idle = idle
        self.logger = logger
    }

    /// New addresses and secrets after a reload (rows of a removed target wait until it is back).
    public func update(_ targets: [CaseTargetConfig]) {
        self.targets.withLock { $0 = Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { $1 }) }
    }

    public func run() async throws {
        let wakes = store.changes.subscribe(.outbox)
        // Stopping cancels the loops; nothing is lost, rows not yet delivered stay pending.
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.deliverLoop(wakes) }
                group.addTask { await self.pollLoop() }
                await group.waitForAll()
            }
        }
    }

    private func deliverLoop(_ wakes: AsyncStream<Void>) async {
        let (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in wakes { signal.yield() }
                signal.finish()
            }
            var iterator = signals.makeAsyncIterator()
            while !Task.isCancelled {
                passes.withLock { $0 += 1 }
                await deliverDue()
                let next = (try? await store.nextDeliveryDue()) ?? nil
                var wait = idle
                if let next {
                    let seconds = max(0.05, next.timeIntervalSinceNow)
                    wait = min(idle, .milliseconds(Int64(seconds * 1000)))
                }
                // Sleep until the next due row or a wake, whichever is first: a one-shot timer rings the same bell.
                let timer = Task { [signal] in
                    // Only a timer that ran out rings; a cancelled one (the bell rang first) must not.
                    guard (try? await Task.sleep(for: wait)) != nil else { return }
                    signal.yield()
                }
                let rang = await iterator.next() != nil
                timer.cancel()
                if !rang || Task.isCancelled { break }
            }
            group.cancelAll()
        }
    }

    /// Delivers every due row once; rows of one target go in order.
    func deliverDue(now: Date = Date()) async {
        guard let due = try? await store.dueDeliveries(now: now, limit: 50), !due.isEmpty else { return }
        let targets = self.targets.withLock { $0 }
        for item in due {
            guard let target = targets[item.target] else {
                try? await store.recordDelivery(item.id, .retry(at: now.addingTimeInterval(300), status: nil,
                                                                error: "target \(item.target) is not configured"))
                continue
            }
            let result = await sender.send(item, to: target)
            switch result {
            case .delivered(let status, let ref, _):
                logger.info("delivered", metadata: ["outbox": "\(item.id)", "target": "\(item.target)", "event": "\(item.event)",
                                                    "status": "\(status)", "ref": "\(ref ?? "-")"])
            case .retry(let at, let status, let error):
                logger.notice("delivery will be retried", metadata: [
                    "outbox": "\(item.id)", "target": "\(item.target)", "status": "\(status.map(String.init) ?? "-")",
                    "in_seconds": "\(Int(at.timeIntervalSinceNow))", "error": "\(error)"])
            case .failed(let status, let error):
                logger.error("delivery refused", metadata: ["outbox": "\(item.id)", "target": "\(item.target)",
                                                            "status": "\(status.map(String.init) ?? "-")", "error": "\(error)"])
            }
            do {
                try await store.recordDelivery(item.id, result)
            } catch {
                logger.error("cannot record a delivery: \(error)")
            }
        }
    }

    private func pollLoop() async {
        while !Task.isCancelled {
            let open311 = targets.withLock { $0.values.first { $0.open311 != nil } }
            let interval = open311?.open311?.pollSeconds ?? 60
            do {
                try await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
            } catch {
                return
            }
            if let open311 { await pollOnce(open311) }
        }
    }

    /// Reads back the status of every open case the grid case system holds, and mirrors it.
    func pollOnce(_ target: CaseTargetConfig) async {
        guard let open311 = target.open311, let cases = try? await store.externalCasesToPoll() else { return }
        for external in cases {
            do {
                let answer = try await sender.poll(external, open311, timeout: target.timeoutSeconds)
                guard answer.ref != external.ref || answer.status != external.status else { continue }
                try await store.mirrorExternalCase(external.caseID, ref: answer.ref, status: answer.status, notes: answer.notes,
                                                   source: "grid:\(target.name)")
            } catch {
                logger.notice("cannot read a case's status", metadata: ["case": "\(external.caseID)", "error": "\(error)"])
            }
        }
    }
}
