@testable import MCPGateway
import Synchronization
import Testing

/// A shared store that answers from a script (or is "down"), recording what it was asked.
final class FakeSharedRates: SharedRateStore {
    let asked = Mutex<[[SharedBucket]]>([])
    let down = Atomic<Bool>(false)
    let wait: Double

    init(wait: Double = 0) { self.wait = wait }

    func take(_ buckets: [SharedBucket]) -> [Double]? {
        asked.withLock { $0.append(buckets) }
        return down.load(ordering: .relaxed) ? nil : buckets.map { _ in wait }
    }
}

struct SharedRateLimiterTests {
    @Test func sharedVerdictWinsAndOneRoundTripCoversEveryRule() {
        let store = FakeSharedRates(wait: 4.2)
        let limiter = RateLimiter(rules: [RateLimiter.Rule(calls: 10, perSeconds: 60), RateLimiter.Rule(calls: 5, perSeconds: 1, key: .identityTool)],
                                  shared: store)
        #expect(limiter.check(caller: "alice", server: "s", tool: "t", now: 0) == .limited(retryAfterSeconds: 5, limit: 5, perSeconds: 1))
        let asked = store.asked.withLock { $0 }
        #expect(asked.count == 1)
        #expect(asked[0].map(\.capacity) == [10, 5])
        #expect(asked[0][0].key == "0|alice|10/60.0" && asked[0][1].key == "1|alice|t|5/1.0")
        // The local buckets were not touched: all their tokens are still there.
        #expect(limiter.trackedKeys == 0)
    }

    @Test func allowedByTheStore() {
        let limiter = RateLimiter(rules: [RateLimiter.Rule(calls: 1, perSeconds: 60)], shared: FakeSharedRates(wait: 0))
        for _ in 0..<5 { #expect(limiter.check(caller: "a", server: "s", tool: "t", now: 0) == .allowed) }
    }

    @Test func storeDownFallsBackToLocalBuckets() {
        let store = FakeSharedRates()
        store.down.store(true, ordering: .relaxed)
        let limiter = RateLimiter(rules: [RateLimiter.Rule(calls: 2, perSeconds: 60)], shared: store)
        #expect(limiter.check(caller: "a", server: "s", tool: "t", now: 0) == .allowed)
        #expect(limiter.check(caller: "a", server: "s", tool: "t", now: 0) == .allowed)
        #expect(limiter.check(caller: "a", server: "s", tool: "t", now: 0) == .limited(retryAfterSeconds: 30, limit: 2, perSeconds: 60))
    }

    @Test func onlyCallsCoveredByARuleReachTheStore() {
        let store = FakeSharedRates()
        let none = RateLimiter(rules: [], shared: store)
        #expect(none.shared == nil)
        #expect(none.check(caller: "a", server: "s", tool: "t", now: 0) == .allowed)
        let some = RateLimiter(rules: [RateLimiter.Rule(calls: 1, perSeconds: 1, servers: ["billing"])], shared: store)
        #expect(some.check(caller: "a", server: "other", tool: "t", now: 0) == .allowed)
        #expect(some.check(caller: "a", method: "initialize", now: 0) == .allowed)
        #expect(store.asked.withLock { $0.isEmpty })
        _ = some.check(caller: "a", server: "billing", tool: "t", now: 0)
        #expect(store.asked.withLock { $0.count } == 1)
    }
}

struct AbsorbedRevocationTests {
    @Test func revocationsFromOtherReplicasAreHonouredBeyondCapacityAndExpire() throws {
        let revocations = SessionRevocations(capacity: 1)
        let a: [UInt8] = Array(repeating: 1, count: 16), b: [UInt8] = Array(repeating: 2, count: 16)
        revocations.absorb(nonce: a, expiry: 100, now: 10)
        revocations.absorb(nonce: b, expiry: 200, now: 10)
        revocations.absorb(nonce: [3], expiry: 5, now: 10)  // already expired: ignored
        #expect(revocations.entryCount == 2)
        revocations.prune(now: 150)
        #expect(revocations.entryCount == 1)
    }
}
