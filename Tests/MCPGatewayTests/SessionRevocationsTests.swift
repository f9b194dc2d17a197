import Dispatch
@testable import MCPGateway
import Testing

@Suite struct SessionRevocationsTests {
    func session(_ who: String = "") -> ClientSession {
        Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: who, now: 100)
    }

    @Test func revokeAndCheck() {
        let revocations = SessionRevocations()
        let a = session(), b = session()
        #expect(!revocations.isRevoked(a))
        revocations.revoke(a, until: 500)
        #expect(revocations.isRevoked(a))
        #expect(!revocations.isRevoked(b))
    }

    @Test func keyedByNonceNotByToken() throws {
        // A re-verified copy of the same session (what each request carries) is revoked too.
        let revocations = SessionRevocations()
        let a = session("x")
        revocations.revoke(a, until: 500)
        let again = try #require(Fixture.signer.verify(a.token, now: 100))
        #expect(revocations.isRevoked(again))
    }

    @Test func pruneDropsOnlyExpired() {
        let revocations = SessionRevocations()
        let early = session(), late = session()
        revocations.revoke(early, until: 200)
        revocations.revoke(late, until: 400)
        revocations.prune(now: 199)
        #expect(revocations.isRevoked(early))
        revocations.prune(now: 200)
        #expect(!revocations.isRevoked(early))
        #expect(revocations.isRevoked(late))
        revocations.prune(now: 1000)
        #expect(!revocations.isRevoked(late))
        // Revoking again after everything was pruned works (the fast-path count is restored).
        revocations.revoke(early, until: 2000)
        #expect(revocations.isRevoked(early))
    }

    @Test func revokeExtendsExpiry() {
        let revocations = SessionRevocations()
        let a = session()
        revocations.revoke(a, until: 200)
        revocations.revoke(a, until: 900)
        revocations.prune(now: 500)
        #expect(revocations.isRevoked(a))
    }

    @Test func revokeRacingPruneIsNeverLost() {
        // Each round: one thread prunes an empty table while another revokes. The revocation
        // must be visible afterwards whatever the interleaving. (Before the count was stored
        // under the lock, about 1 round in 100 000 lost it, so this catches a regression in
        // most runs; it cannot fail spuriously.)
        for _ in 0..<100_000 {
            let revocations = SessionRevocations()
            let s = session()
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                if i == 0 { revocations.prune(now: 0) } else { revocations.revoke(s, until: 100) }
            }
            if !revocations.isRevoked(s) {
                Issue.record("a revocation was lost to a concurrent prune")
                return
            }
        }
    }
}
