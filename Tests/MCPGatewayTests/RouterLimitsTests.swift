@testable import MCPGateway
import Testing

/// Limits the router decides: `initialize` per caller, and DELETE when revocations are full.
@Suite struct RouterLimitsTests {
    static let initialize = #"{"jsonrpc":"2.0","id":7,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{}}}"#

    func initialize(_ router: MCPRouter, identity: String) -> LocalReply? {
        let head = MCPRequestHead(method: "POST", path: "/mcp", identityDigest: identity)
        return router.route(head: head, body: utf8(Self.initialize)[...], catalog: Fixture.catalog()).localReply
    }

    // Regression (security review): initialize is answered locally and minted sessions at any rate.
    @Test func initializeIsLimitedPerCallerWhenARuleListsIt() throws {
        var config = Fixture.config()
        config.rateLimits = [RateLimiter.Rule(calls: 2, perSeconds: 60, methods: ["initialize"])]
        let router = RouterHarness(config: config).router()
        #expect(initialize(router, identity: "alice")?.status == 200)
        #expect(initialize(router, identity: "alice")?.status == 200)
        let refused = try #require(initialize(router, identity: "alice"))
        #expect(refused.status == 429 && refused.newSession == nil && refused.header("mcp-session-id") == nil)
        #expect(Int(refused.header("retry-after") ?? "") ?? 0 >= 1)
        #expect(refused.errorCode == -32000 && refused.errorMessage?.contains("initialize") == true)
        #expect(text(refused.body).contains(#""id":7"#))
        // Another caller has its own bucket; anonymous callers share one.
        #expect(initialize(router, identity: "bob")?.status == 200)
        #expect(initialize(router, identity: "")?.status == 200)
        #expect(initialize(router, identity: "")?.status == 200)
        #expect(initialize(router, identity: "")?.status == 429)
    }

    // Regression (issue 11): each reload built a new limiter, so any config change (a server
    // added) refilled every caller's bucket. Unchanged rules keep the previous limiter.
    @Test func aReloadKeepsTheBucketsWhenTheRulesAreUnchanged() {
        var config = Fixture.config()
        config.rateLimits = [RateLimiter.Rule(calls: 1, perSeconds: 60, methods: ["initialize"])]
        let first = RouterHarness(config: config).router()
        #expect(initialize(first, identity: "alice")?.status == 200)
        var edited = config
        edited.servers.removeLast()
        let reloaded = MCPRouter(config: edited, signer: Fixture.signer, revocations: SessionRevocations(), version: "t",
                                 clock: { Fixture.t0 }, limiter: first.limiter)
        #expect(reloaded.limiter === first.limiter)
        #expect(initialize(reloaded, identity: "alice")?.status == 429)
        // New rules start new buckets.
        edited.rateLimits = [RateLimiter.Rule(calls: 2, perSeconds: 60, methods: ["initialize"])]
        let changed = MCPRouter(config: edited, signer: Fixture.signer, revocations: SessionRevocations(), version: "t",
                                clock: { Fixture.t0 }, limiter: first.limiter)
        #expect(changed.limiter !== first.limiter)
        #expect(initialize(changed, identity: "alice")?.status == 200)
    }

    @Test func toolCallRulesDoNotCountInitialize() {
        var config = Fixture.config()
        config.rateLimits = [RateLimiter.Rule(calls: 1, perSeconds: 60)]
        let router = RouterHarness(config: config).router()
        for _ in 0..<5 { #expect(initialize(router, identity: "alice")?.status == 200) }
    }

    // Regression (security review): a full revocation table must refuse the DELETE (the session
    // stays usable and the client is told), never answer 200 and forget an older revocation.
    @Test func deleteWithAFullRevocationTableIs503AndTheSessionStaysUsable() throws {
        let h = RouterHarness(revocations: SessionRevocations(capacity: 1))
        let first = try #require(h.openSession()), second = try #require(h.openSession())
        let delete = { (token: String) in
            h.router().route(head: MCPRequestHead(method: "DELETE", path: "/mcp", sessionID: token, identityDigest: ""))?.localReply
        }
        #expect(delete(first)?.status == 200)
        let refused = try #require(delete(second))
        #expect(refused.status == 503 && refused.endedSession == nil)
        #expect(refused.header("retry-after") == "3600")
        #expect(refused.errorMessage?.contains("limits.maxRevokedSessions") == true)
        #expect(h.post(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#, session: first).localReply?.status == 404)
        #expect(h.post(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#, session: second).localReply?.status == 200)
    }
}
