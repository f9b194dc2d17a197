import Dispatch
@testable import MCPGateway
import Testing

@Suite struct SessionRevocationsTests {
    func session(_ who: String = "") -> ClientSession {
        Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: who, now: 100)
    }

    @Test func revokeAndCheck() throws {
        let revocations = SessionRevocations()
        let a = session(), b = session()
        #expect(!revocations.isRevoked(a))
        try revocations.revoke(a, until: 500, now: 100)
        #expect(revocations.isRevoked(a))
        #expect(!revocations.isRevoked(b))
    }

    @Test func keyedByNonceNotByToken() throws {
        // A re-verified copy of the same session (what each request carries) is revoked too.
        let revocations = SessionRevocations()
        let a = session("x")
        try revocations.revoke(a, until: 500, now: 100)
        let again = try #require(Fixture.signer.verify(a.token, now: 100))
        #expect(revocations.isRevoked(again))
    }

    @Test func pruneDropsOnlyExpired() throws {
        let revocations = SessionRevocations()
        let early = session(), late = session()
        try revocations.revoke(early, until: 200, now: 100)
        try revocations.revoke(late, until: 400, now: 100)
        revocations.prune(now: 199)
        #expect(revocations.isRevoked(early))
        revocations.prune(now: 200)
        #expect(!revocations.isRevoked(early))
        #expect(revocations.isRevoked(late))
        revocations.prune(now: 1000)
        #expect(!revocations.isRevoked(late))
        // Revoking again after everything was pruned works (the fast-path count is restored).
        try revocations.revoke(early, until: 2000, now: 100)
        #expect(revocations.isRevoked(early))
    }

    @Test func revokeExtendsExpiry() throws {
        let revocations = SessionRevocations()
        let a = session()
        try revocations.revoke(a, until: 200, now: 100)
        try revocations.revoke(a, until: 900, now: 100)
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
                if i == 0 { revocations.prune(now: 0) } else { try? revocations.revoke(s, until: 100, now: 50) }
            }
            if !revocations.isRevoked(s) {
                Issue.record("a revocation was lost to a concurrent prune")
                return
            }
        }
    }

    // Regression (security review): the table grew without bound, ~100 bytes per DELETE for a
    // whole session lifetime. Bounded now, and full means refusing the new DELETE, never
    // forgetting an older one while its session could still be used.
    @Test func fullTableRefusesTheNewDeleteAndKeepsEveryOlderOne() throws {
        let revocations = SessionRevocations(capacity: 3)
        let old = (0..<3).map { _ in session() }
        for (i, s) in old.enumerated() { try revocations.revoke(s, until: 200 + Double(i), now: 100) }
        let late = session()
        #expect(throws: RevocationError.full(capacity: 3, retryAfterSeconds: 100)) {
            try revocations.revoke(late, until: 900, now: 100)
        }
        #expect(old.allSatisfy(revocations.isRevoked))
        #expect(!revocations.isRevoked(late))
        #expect(revocations.entryCount == 3)
        // Revoking one already held needs no room.
        try revocations.revoke(old[2], until: 202, now: 100)
        // Once the earliest expired, its room is reused.
        try revocations.revoke(late, until: 900, now: 200)
        #expect(revocations.isRevoked(late) && !revocations.isRevoked(old[0]) && revocations.isRevoked(old[1]))
        #expect(revocations.entryCount == 3)
    }

    @Test func theErrorIsA503WithRetryAfter() {
        let e = RevocationError.full(capacity: 3, retryAfterSeconds: 42).jsonRPCError
        #expect(e.httpStatus(era: .handshake) == 503 && e.message.contains("limits.maxRevokedSessions"))
        #expect(RevocationError.notRecorded("disk full").jsonRPCError.httpStatus(era: .handshake) == 503)
    }

    final class Journal: RevocationJournal, @unchecked Sendable {
        var lines: [([UInt8], Double)] = []
        var failing = false
        func record(nonce: [UInt8], expiry: Double) throws(RevocationError) {
            if failing { throw .notRecorded("test") }
            lines.append((nonce, expiry))
        }
    }

    @Test func theJournalHearsEachRevocationAndItsFailureRefusesIt() throws {
        let journal = Journal()
        let revocations = SessionRevocations(journal: journal)
        let a = session(), b = session()
        try revocations.revoke(a, until: 500, now: 100)
        #expect(journal.lines.count == 1 && journal.lines[0].0 == a.nonce && journal.lines[0].1 == 500)
        journal.failing = true
        #expect(throws: RevocationError.notRecorded("test")) { try revocations.revoke(b, until: 500, now: 100) }
        #expect(!revocations.isRevoked(b))
    }

    @Test func loadedRevocationsAreHonouredEvenBeyondCapacity() throws {
        let a = session(), b = session()
        let revocations = SessionRevocations(capacity: 1, loaded: [(a.nonce, 500), (b.nonce, 600)])
        #expect(revocations.isRevoked(a) && revocations.isRevoked(b))
        #expect(throws: RevocationError.self) { try revocations.revoke(session(), until: 700, now: 100) }
    }
}
