@testable import MCPGateway
import Synchronization
import Testing

/// Client sessions are tokens clients rarely DELETE: the table must forget their backend sessions
/// once they have expired, or it grows with every session ever opened.
@Suite struct BackendSessionExpiryTests {
    @Test func expiredEntriesAreForgottenWhenAShardGrows() {
        let now = Mutex<Double>(1_000)
        let creator = ScriptedCreator(immediate: "b")
        let table = BackendSessionTable(shardCount: 1, sessionTTL: 100, clock: { now.withLock { $0 } }, pruneThreshold: 10,
                                        creator: creator.creator)
        let old = (0..<10).map { _ in Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "", now: 950) }
        for s in old { table.withSession(client: s, server: "calc") { _ in } }
        #expect(table.count == 10)
        now.withLock { $0 = 1_060 }  // the old sessions (issued at 950, TTL 100) have expired
        let fresh = (0..<3).map { _ in Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "", now: 1_050) }
        for s in fresh { table.withSession(client: s, server: "calc") { _ in } }
        #expect(table.count == 1 + 2)  // pruned when the 11th arrived, then two more added
        // A live session keeps its backend session.
        let results = Results()
        table.withSession(client: fresh[2], server: "calc", results.completion)
        #expect(creator.callCount == 13)
        #expect(results.ids.count == 1)
    }

    // A reload may shorten session.ttlSeconds: entries made after it expire by the new lifetime.
    @Test func aChangedLifetimeAppliesToNewEntries() {
        let now = Mutex<Double>(1_000)
        let table = BackendSessionTable(shardCount: 1, sessionTTL: 1_000, clock: { now.withLock { $0 } }, pruneThreshold: 2,
                                        creator: ScriptedCreator(immediate: "b").creator)
        table.sessionTTL = 50
        #expect(table.sessionTTL == 50)
        for _ in 0..<3 {
            table.withSession(client: Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "", now: 1_000), server: "calc") { _ in }
        }
        #expect(table.count == 3)
        now.withLock { $0 = 1_060 }  // past the new lifetime, well within the old one
        table.withSession(client: Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "", now: 1_060), server: "calc") { _ in }
        #expect(table.count == 1)
    }
}
