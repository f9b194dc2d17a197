@testable import MCPGateway
import Testing

/// Per-session and per-identity caps on the gateway's event streams.
@Suite struct StreamQuotaTests {
    func session(_ who: String) -> ClientSession { Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: who, now: 100) }
    let limits = StreamQuota.Limits(perSession: 2, perIdentity: 3)

    // Regression (security review): one session could open a thousand streams and starve everyone.
    @Test func perSessionThenPerIdentity() throws {
        let quota = StreamQuota()
        let a = session("alice"), b = session("alice")
        let t1 = try quota.acquire(session: a, identityDigest: "alice", limits: limits).get()
        _ = try quota.acquire(session: a, identityDigest: "alice", limits: limits).get()
        #expect(throws: StreamQuotaError.perSession(limit: 2)) { try quota.acquire(session: a, identityDigest: "alice", limits: limits).get() }
        _ = try quota.acquire(session: b, identityDigest: "alice", limits: limits).get()
        #expect(throws: StreamQuotaError.perIdentity(limit: 3)) { try quota.acquire(session: b, identityDigest: "alice", limits: limits).get() }
        // Another identity is not affected.
        _ = try quota.acquire(session: session("bob"), identityDigest: "bob", limits: limits).get()
        // A closed stream gives its slots back.
        quota.release(t1)
        _ = try quota.acquire(session: a, identityDigest: "alice", limits: limits).get()
        #expect(quota.openStreams(identityDigest: "alice") == 3)
    }

    @Test func anonymousCallersShareOneIdentity() throws {
        let quota = StreamQuota()
        for _ in 0..<3 { _ = try quota.acquire(session: nil, identityDigest: "", limits: limits).get() }
        #expect(throws: StreamQuotaError.perIdentity(limit: 3)) { try quota.acquire(session: nil, identityDigest: "", limits: limits).get() }
    }

    @Test func releasingEverythingLeavesNoEntries() throws {
        let quota = StreamQuota()
        let tickets = try (0..<2).map { _ in try quota.acquire(session: session("x"), identityDigest: "x", limits: limits).get() }
        tickets.forEach(quota.release)
        #expect(quota.openStreams(identityDigest: "x") == 0)
    }

    @Test func theRefusalIs429NamingTheLimit() {
        let e = StreamQuotaError.perSession(limit: 2).jsonRPCError
        #expect(e.httpStatus(era: .handshake) == 429 && e.httpStatus(era: .modern) == 429)
        #expect(e.message.contains("limits.maxStreamsPerSession"))
    }
}
