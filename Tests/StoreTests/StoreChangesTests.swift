import Testing
@testable import Store

/// The wake-ups behind the live streams: per topic, coalesced, ended by `finish()`.
struct StoreChangesTests {
    @Test func commitsWakeTheirTopicsSubscribersAndFinishEndsThem() async throws {
        let changes = StoreChanges()
        let passages = changes.subscribe(.passage)
        let alerts = changes.subscribe(.alert)
        #expect(changes.subscriberCount == 2)
        changes.committed(.passage)
        changes.committed(.passage)  // coalesces with the first: the reader re-reads from its last id anyway
        changes.finish()
        var passageWakes = 0
        for await _ in passages { passageWakes += 1 }
        var alertWakes = 0
        for await _ in alerts { alertWakes += 1 }
        #expect(passageWakes == 1 && alertWakes == 0)
        #expect(changes.subscriberCount == 0)
        var late = 0
        for await _ in changes.subscribe(.passage) { late += 1 }
        #expect(late == 0, "a stream opened after finish() ends at once")
    }
}
