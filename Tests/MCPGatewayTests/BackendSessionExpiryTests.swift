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
}
