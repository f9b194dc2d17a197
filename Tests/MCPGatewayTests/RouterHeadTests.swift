@testable import MCPGateway
import Testing

/// Requests decided from the HTTP head alone: GET, DELETE, other methods, wrong paths.
@Suite struct RouterHeadTests {
    let h = RouterHarness()

    func head(_ method: String, path: String = "/mcp", session: String? = nil, version: String? = nil,
              accept: String? = "text/event-stream", identity: String = "") -> MCPRequestHead {
        MCPRequestHead(method: method, path: path, sessionID: session, protocolVersion: version, accept: accept, identityDigest: identity)
    }

    @Test(arguments: ["/mcp", "/mcp/", "/mcp?token=x"])
    func postIsLeftToTheBody(_ path: String) {
        #expect(h.router().route(head: head("POST", path: path)) == nil)
    }

    @Test(arguments: [("POST", "/"), ("GET", "/other"), ("DELETE", "/mcpx"), ("POST", "/mcp/tools"), ("PUT", "/MCP")])
    func wrongPathIs404(_ method: String, _ path: String) throws {
        let reply = try #require(h.router().route(head: head(method, path: path))?.localReply)
        #expect(reply.status == 404)
        #expect(reply.errorMessage?.contains("/mcp") == true)
    }

    @Test func configuredPathIsUsed() throws {
        var config = Fixture.config()
        config.mcpPath = "/gateway/mcp"
        let custom = RouterHarness(config: config)
        #expect(custom.router().route(head: head("POST", path: "/gateway/mcp")) == nil)
        #expect(custom.router().route(head: head("POST", path: "/mcp"))?.localReply?.status == 404)
    }

    /// Answers to GET and DELETE are counted under their HTTP method (`mcp_requests_total`),
    /// other methods' under none (the metrics' "other").
    @Test func repliesNameTheHTTPMethodForMetrics() throws {
        #expect(try #require(h.router().route(head: head("GET"))?.localReply).rpcMethod == "GET")  // no session
        #expect(try #require(h.router().route(head: head("GET", version: "2026-07-28"))?.localReply).rpcMethod == "GET")  // 405
        #expect(try #require(h.router().route(head: head("DELETE"))?.localReply).rpcMethod == "DELETE")
        #expect(try #require(h.router().route(head: head("PUT"))?.localReply).rpcMethod == nil)
    }

    @Test(arguments: ["PUT", "PATCH", "HEAD", "OPTIONS", "get"])
    func otherMethodsAre405(_ method: String) throws {
        let reply = try #require(h.router().route(head: head(method))?.localReply)
        #expect(reply.status == 405)
        #expect(reply.header("allow") == "GET, POST, DELETE")
        #expect(reply.errorCode == -32600)
    }

    @Test func getWithValidSessionStreams() throws {
        let token = try #require(h.openSession())
        let plan = try #require(h.router().route(head: head("GET", session: token))?.streamPlan)
        #expect(plan.era == .handshake)
        #expect(plan.session?.token == token)
        #expect(plan.session == Fixture.signer.verify(token, now: UInt64(Fixture.t0)))
        // Any Accept that allows event streams, or none at all.
        #expect(h.router().route(head: head("GET", session: token, accept: "*/*"))?.streamPlan != nil)
        #expect(h.router().route(head: head("GET", session: token, accept: nil))?.streamPlan != nil)
        #expect(h.router().route(head: head("GET", session: token, accept: "application/json, text/event-stream"))?.streamPlan != nil)
    }

    @Test func getNotAcceptingEventStreamIs406() throws {
        let token = try #require(h.openSession())
        let reply = try #require(h.router().route(head: head("GET", session: token, accept: "application/json"))?.localReply)
        #expect(reply.status == 406)
    }

    @Test func getWithoutSessionIs400() throws {
        let reply = try #require(h.router().route(head: head("GET"))?.localReply)
        #expect(reply.status == 400)
        #expect(reply.errorCode == -32600)
        #expect(reply.errorMessage?.contains("Missing session") == true)
        #expect(h.router().route(head: head("GET", session: ""))?.localReply?.status == 400)
    }

    @Test func getWithForgedSessionIs404() throws {
        let reply = try #require(h.router().route(head: head("GET", session: "g1.AAAA.BBBB"))?.localReply)
        #expect(reply.status == 404)
        #expect(reply.errorCode == -32001)
    }

    @Test func modernGetAndDeleteAre405() throws {
        let get = try #require(h.router().route(head: head("GET", version: "2026-07-28"))?.localReply)
        #expect(get.status == 405)
        #expect(get.header("allow") == "POST")
        let delete = try #require(h.router().route(head: head("DELETE", version: "2026-07-28"))?.localReply)
        #expect(delete.status == 405)
        #expect(delete.header("allow") == "POST")
    }

    @Test func deleteRevokesTheSession() throws {
        let token = try #require(h.openSession())
        let reply = try #require(h.router().route(head: head("DELETE", session: token))?.localReply)
        #expect(reply.status == 200)
        #expect(reply.body.isEmpty)
        let ended = try #require(reply.endedSession)
        #expect(ended.token == token)
        #expect(reply.newSession == nil)
        #expect(h.revocations.isRevoked(ended))

        // The id is dead from now on, for every kind of request.
        #expect(h.router().route(head: head("GET", session: token))?.localReply?.status == 404)
        #expect(h.router().route(head: head("DELETE", session: token))?.localReply?.status == 404)
        let call = h.post(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#, session: token)
        #expect(call.localReply?.status == 404)
        // Other sessions are unaffected.
        let other = try #require(h.openSession())
        #expect(h.post(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#, session: other).localReply?.status == 200)
    }

    @Test func deleteRevocationLastsUntilTheSessionWouldExpire() throws {
        // The revocation is remembered until the session would have expired anyway.
        let token = try #require(h.openSession())
        _ = h.router().route(head: head("DELETE", session: token))
        let session = try #require(Fixture.signer.verify(token, now: UInt64(Fixture.t0)))
        h.revocations.prune(now: Fixture.t0 + 3599)
        #expect(h.revocations.isRevoked(session))
        h.revocations.prune(now: Fixture.t0 + 3600)
        #expect(!h.revocations.isRevoked(session))
    }

    @Test func deleteByAnotherIdentityIs404AndDoesNotRevoke() throws {
        let token = try #require(h.openSession(identity: "alice"))
        let reply = try #require(h.router().route(head: head("DELETE", session: token, identity: "mallory"))?.localReply)
        #expect(reply.status == 404)
        #expect(reply.endedSession == nil)
        #expect(h.router().route(head: head("GET", session: token, identity: "alice"))?.streamPlan != nil)
    }
}
