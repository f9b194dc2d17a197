@testable import MCPGateway
import Testing

/// Local token buckets: per caller, per caller and server, per caller and tool; refill with
/// time; the 429 reply that names the limit.
@Suite struct RateLimiterTests {
    typealias Rule = RateLimiter.Rule

    func calls(_ limiter: RateLimiter, _ n: Int, caller: String = "alice", server: String = "calc", tool: String = "calc_add",
               now: Double = 0) -> [RateLimiter.Verdict] {
        (0..<n).map { _ in limiter.check(caller: caller, server: server, tool: tool, now: now) }
    }

    @Test func aBucketHoldsItsCallsThenRefuses() {
        let limiter = RateLimiter(rules: [Rule(calls: 3, perSeconds: 60)])
        #expect(calls(limiter, 3) == [.allowed, .allowed, .allowed])
        #expect(limiter.check(caller: "alice", server: "calc", tool: "calc_add", now: 0)
            == .limited(retryAfterSeconds: 20, limit: 3, perSeconds: 60))
    }

    @Test func tokensRefillWithTime() {
        let limiter = RateLimiter(rules: [Rule(calls: 2, perSeconds: 10)])  // one token per 5 s
        _ = calls(limiter, 2, now: 100)
        #expect(limiter.check(caller: "alice", server: "calc", tool: "calc_add", now: 104.9) != .allowed)
        // The refused call took nothing: at 105 one token has refilled since 100.
        #expect(limiter.check(caller: "alice", server: "calc", tool: "calc_add", now: 105) == .allowed)
        #expect(limiter.check(caller: "alice", server: "calc", tool: "calc_add", now: 105) != .allowed)
        // Idle long enough, the bucket is full again, never fuller.
        #expect(calls(limiter, 3, now: 1000) == [.allowed, .allowed, .limited(retryAfterSeconds: 5, limit: 2, perSeconds: 10)])
    }

    @Test func retryAfterIsRoundedUpAndAtLeastOneSecond() {
        let limiter = RateLimiter(rules: [Rule(calls: 10, perSeconds: 1)])
        _ = calls(limiter, 10)
        #expect(limiter.check(caller: "alice", server: "calc", tool: "calc_add", now: 0)
            == .limited(retryAfterSeconds: 1, limit: 10, perSeconds: 1))
        let slow = RateLimiter(rules: [Rule(calls: 1, perSeconds: 1e300)])
        _ = calls(slow, 1)
        #expect(slow.check(caller: "alice", server: "calc", tool: "calc_add", now: 0)
            == .limited(retryAfterSeconds: 1_000_000_000, limit: 1, perSeconds: 1e300))
    }

    @Test func perCallerBucketsAreIndependent() {
        let limiter = RateLimiter(rules: [Rule(calls: 1, perSeconds: 60)])
        #expect(calls(limiter, 1, caller: "alice") == [.allowed])
        #expect(calls(limiter, 1, caller: "bob") == [.allowed])
        #expect(calls(limiter, 1, caller: "alice") != [.allowed])
        // An identity-keyed rule counts a caller across servers and tools.
        #expect(calls(limiter, 1, caller: "bob", server: "phys", tool: "phys_velocity") != [.allowed])
    }

    @Test func perServerAndPerToolKeys() {
        let perServer = RateLimiter(rules: [Rule(calls: 1, perSeconds: 60, key: .identityServer)])
        #expect(calls(perServer, 1, server: "calc", tool: "calc_add") == [.allowed])
        #expect(calls(perServer, 1, server: "calc", tool: "calc_sub") != [.allowed])
        #expect(calls(perServer, 1, server: "phys", tool: "phys_velocity") == [.allowed])

        let perTool = RateLimiter(rules: [Rule(calls: 1, perSeconds: 60, key: .identityTool)])
        #expect(calls(perTool, 1, tool: "calc_add") == [.allowed])
        #expect(calls(perTool, 1, tool: "calc_sub") == [.allowed])
        #expect(calls(perTool, 1, tool: "calc_add") != [.allowed])
        #expect(calls(perTool, 1, caller: "bob", tool: "calc_add") == [.allowed])
    }

    @Test func rulesApplyOnlyToTheirServersAndToolsAndEveryApplicableRuleMustPass() {
        let limiter = RateLimiter(rules: [
            Rule(calls: 5, perSeconds: 60),
            Rule(calls: 1, perSeconds: 60, servers: ["billing"]),
            Rule(calls: 2, perSeconds: 60, tools: ["*_delete"]),
        ])
        #expect(calls(limiter, 1, server: "billing", tool: "billing_charge") == [.allowed])
        #expect(calls(limiter, 1, server: "billing", tool: "billing_charge")
            == [.limited(retryAfterSeconds: 60, limit: 1, perSeconds: 60)])
        #expect(calls(limiter, 2, server: "files", tool: "files_delete") == [.allowed, .allowed])
        #expect(calls(limiter, 1, server: "files", tool: "files_delete") == [.limited(retryAfterSeconds: 30, limit: 2, perSeconds: 60)])
        // The global rule counted all of them (the refused ones too: each rule takes its own token).
        // 5 tokens: billing×2 (the second refused by its own rule) and delete×2 took 4, the refused delete the 5th.
        #expect(calls(limiter, 1, server: "calc", tool: "calc_add") == [.limited(retryAfterSeconds: 12, limit: 5, perSeconds: 60)])
    }

    @Test func methodsOtherThanTheRulesAreNotCounted() {
        let limiter = RateLimiter(rules: [Rule(calls: 1, perSeconds: 60)])
        #expect(limiter.limits(method: "tools/call"))
        #expect(!limiter.limits(method: "initialize"))
        for _ in 0..<5 { #expect(limiter.check(caller: "alice", method: "initialize", now: 0) == .allowed) }
        #expect(limiter.trackedKeys == 0)
        #expect(RateLimiter(rules: []).isEmpty)
    }

    @Test func memoryIsBoundedAgainstEndlessNewCallers() {
        let limiter = RateLimiter(rules: [Rule(calls: 1, perSeconds: 60)], shards: 1, maxKeys: 16)
        for i in 0..<1000 { _ = limiter.check(caller: "caller\(i)", server: "s", tool: "t", now: Double(i) * 0.001) }
        #expect(limiter.trackedKeys <= 17)
    }

    @Test func theRefusalIs429WithRetryAfterAndAJSONRPCError() throws {
        let verdict = RateLimiter.Verdict.limited(retryAfterSeconds: 7, limit: 3, perSeconds: 60)
        for era in [ProtocolEra.handshake, .modern] {
            let reply = try #require(RateLimiter.refusal(verdict, what: "tool calls", id: utf8("42")[...], era: era))
            #expect(reply.status == 429)
            #expect(reply.headers.contains { $0.0 == "retry-after" && $0.1 == "7" })
            let body = try tree(reply.body)
            #expect(body["id"]?.doubleValue == 42)
            #expect(body["error"]?["code"]?.doubleValue == -32000)
            #expect(body["error"]?["message"]?.stringValue == "Rate limit exceeded: 3 tool calls per 60 s; retry in 7 s")
            #expect(body["error"]?["data"]?["retryAfterSeconds"]?.doubleValue == 7)
        }
        let fractional = RateLimiter.refusal(.limited(retryAfterSeconds: 1, limit: 1, perSeconds: 0.5), what: "calls", id: nil, era: .modern)
        #expect(try tree(#require(fractional).body)["error"]?["message"]?.stringValue == "Rate limit exceeded: 1 calls per 0.5 s; retry in 1 s")
        #expect(RateLimiter.refusal(.allowed, what: "calls", id: nil, era: .modern) == nil)
    }
}
