@testable import MCPGateway
import Testing

/// The `mcp_sessions_active` gauge in bounded memory.
@Suite struct SessionGaugeTests {
    func session() -> ClientSession { Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "", now: 100) }

    // Regression (security review): every initialize kept an entry for the whole TTL, so one
    // client at a few thousand initialize/s grew the gateway by gigabytes an hour.
    @Test func trackedEntriesStopAtTheCapAndTheCountStaysRight() {
        let gauge = SessionGauge(capacity: 10)
        for _ in 0..<5000 { gauge.opened(session(), expiry: 3700, now: 100) }
        #expect(gauge.trackedCount == 10)
        let c = gauge.count(now: 100)
        #expect(c.active == 5000 && c.untracked == 4990)
        // Everything goes once expired.
        #expect(gauge.count(now: 3800) == (0, 0))
    }

    @Test func endedTrackedSessionsLeaveAtOnceUntrackedOnesAtExpiry() {
        let gauge = SessionGauge(capacity: 1)
        let tracked = session(), untracked = session()
        gauge.opened(tracked, expiry: 3700, now: 100)
        gauge.opened(untracked, expiry: 3700, now: 100)
        gauge.ended(tracked)
        gauge.ended(untracked)
        // An upper bound: the untracked one counts until its expiry minute passes.
        #expect(gauge.count(now: 200) == (1, 1))
        #expect(gauge.count(now: 3721) == (0, 0))
    }

    @Test func roomFreedByExpiryIsTrackedAgain() {
        let gauge = SessionGauge(capacity: 2)
        gauge.opened(session(), expiry: 200, now: 100)
        gauge.opened(session(), expiry: 300, now: 100)
        gauge.opened(session(), expiry: 900, now: 250)
        #expect(gauge.trackedCount == 2)
        #expect(gauge.count(now: 250) == (2, 0))
    }
}
