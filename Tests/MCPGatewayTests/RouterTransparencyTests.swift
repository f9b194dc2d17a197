import JSONWire
@testable import MCPGateway
import Testing

/// What a client and its servers say to each other after `initialize`, and what the gateway does
/// with it: capabilities carried to backend sessions, client notifications handed to every backend
/// session, server→client requests answered into the session that asked, plain sessionless calls.
@Suite struct RouterTransparencyTests {
    let h = RouterHarness()

    func session(_ caps: String = #"{"elicitation":{},"roots":{"listChanged":true}}"#, identity: String = "") throws -> ClientSession {
        let body = #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":\#(caps),"clientInfo":{"name":"agent","version":"7"}}}"#
        return try #require(h.post(body, identity: identity).localReply?.newSession)
    }

    @Test func initializeCarriesTheClientsCapabilitiesAndInfo() throws {
        let s = try session()
        #expect(text(s.clientInit) == #"{"capabilities":{"elicitation":{},"roots":{"listChanged":true}},"clientInfo":{"name":"agent","version":"7"}}"#)
        #expect(s.acceptsServerRequests)
        // …and they survive the round trip through the id (another replica, a restart).
        #expect(Fixture.signer.verify(s.token, now: UInt64(Fixture.t0))?.clientInit == s.clientInit)
    }

    /// A client is never refused for what it declares: large experimental entries and clientInfo
    /// icons stay out of the id, the capabilities servers act on stay in.
    @Test func largeClientFactsAreTrimmedNotRefused() throws {
        let huge = #"{"experimental":{"x":""# + String(repeating: "a", count: 3000) + #""},"sampling":{},"roots":{"listChanged":true}}"#
        let icon = #"[{"src":"data:image/png;base64,"# + String(repeating: "A", count: 4000) + #""}]"#
        let body = #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":\#(huge),"clientInfo":{"name":"big","version":"1","icons":\#(icon)}}}"#
        let reply = try #require(h.post(body).localReply)
        let session = try #require(reply.newSession)
        #expect(text(session.clientInit) == #"{"capabilities":{"roots":{"listChanged":true},"sampling":{}},"clientInfo":{"name":"big","version":"1"}}"#)
        #expect(session.acceptsServerRequests)
        #expect(session.token.utf8.count < 3200)
    }

    @Test(arguments: ["notifications/cancelled", "notifications/roots/list_changed"])
    func clientNotificationsGoToEveryBackendSession(_ method: String) throws {
        let s = try session()
        let body = #"{"jsonrpc":"2.0","method":"\#(method)","params":{"requestId":4,"reason":"user"}}"#
        let reply = try #require(h.post(body, session: s.token).localReply)
        #expect(reply.status == 202)
        #expect(reply.broadcast?.session == s)
        #expect(reply.broadcast.map { text($0.body) } == body, "the client's bytes, unchanged")
    }

    @Test func otherNotificationsStayHere() throws {
        let s = try session()
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, session: s.token).localReply)
        #expect(reply.status == 202)
        #expect(reply.broadcast == nil)
    }

    @Test func setLevelIsAnsweredAndHandedOn() throws {
        let s = try session()
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","id":9,"method":"logging/setLevel","params":{"level":"warning"}}"#, session: s.token).localReply)
        #expect(text(reply.body) == #"{"jsonrpc":"2.0","id":9,"result":{}}"#)
        #expect(reply.broadcast?.logLevel == "warning")
        let bad = try #require(h.post(#"{"jsonrpc":"2.0","id":9,"method":"logging/setLevel","params":{"level":"loud"}}"#, session: s.token).localReply)
        #expect(bad.errorCode == -32602)
        #expect(bad.broadcast == nil)
    }

    // MARK: answers to server→client requests

    func sealedAnswer(_ id: ServerRequestID, for s: ClientSession) -> String {
        #"{"jsonrpc":"2.0","id":\#(text(id.sealed(for: s, signer: Fixture.signer))),"result":{"action":"accept","content":{"name":"Ada"}}}"#
    }

    @Test func anAnswerGoesToTheServerAndSessionThatAsked() throws {
        let s = try session()
        let asked = ServerRequestID(server: "phys", backendSession: "backend-77", rawID: utf8("0"))
        let plan = try #require(h.post(sealedAnswer(asked, for: s), session: s.token).forwardPlan)
        #expect(plan.server.name == "phys")
        #expect(plan.backendSession == "backend-77")
        #expect(plan.rpcMethod == "response")
        #expect(text(plan.body) == #"{"jsonrpc":"2.0","id":0,"result":{"action":"accept","content":{"name":"Ada"}}}"#)
        #expect(plan.header("x-mcp-server") == "phys")
    }

    @Test func serverIDsOfEveryShapeRoundTrip() throws {
        let s = try session()
        for raw in ["0", "18446744073709551616", #""a-string id""#, "-1.5e3"] {
            let id = ServerRequestID(server: "calc", backendSession: "b", rawID: utf8(raw))
            let sealed = text(id.sealed(for: s, signer: Fixture.signer))
            let inner = String(sealed.dropFirst().dropLast())
            #expect(ServerRequestID.open(inner, for: s, signer: Fixture.signer) == id)
            #expect(sealed.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f })
        }
    }

    @Test func anotherSessionsAnswerReachesNoServer() throws {
        let alice = try session(), mallory = try session()
        let asked = ServerRequestID(server: "calc", backendSession: "alice-backend", rawID: utf8("1"))
        let reply = try #require(h.post(sealedAnswer(asked, for: alice), session: mallory.token).localReply)
        #expect(reply.status == 400)
        #expect(reply.errorCode == -32600)
    }

    /// The client learns nothing from the id: not the backend session, not the server's own id.
    @Test func aSealedIDRevealsNothing() throws {
        let s = try session()
        let sealed = text(ServerRequestID(server: "calc", backendSession: "backend-secret-77", rawID: utf8(#""task-1""#), purpose: .task)
            .sealed(for: s, signer: Fixture.signer))
        let payload = try #require(Base64URL.decode(sealed.dropFirst(7).dropLast().split(separator: ".")[0]))
        let clear = text(payload)
        #expect(!clear.contains("backend-secret-77") && !clear.contains("task-1") && !clear.contains("calc"))
    }

    @Test func aTamperedIDReachesNoServer() throws {
        let s = try session()
        let sealed = text(ServerRequestID(server: "calc", backendSession: "b", rawID: utf8("1")).sealed(for: s, signer: Fixture.signer))
        // Point it at another server by re-encoding the payload with the old MAC.
        let parts = sealed.dropFirst(7).dropLast().split(separator: ".")
        var payload = try #require(Base64URL.decode(parts[0]))
        payload.replaceSubrange(1..<5, with: utf8("phys"))
        let forged = #""mcpgw.\#(Base64URL.encode(payload)).\#(parts[1])""#
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","id":\#(forged),"result":{}}"#, session: s.token).localReply)
        #expect(reply.status == 400)
    }

    // MARK: resources/subscribe

    @Test(arguments: ["resources/subscribe", "resources/unsubscribe"])
    func subscriptionsGoToTheResourcesServer(_ method: String) throws {
        let s = try session()
        let plan = try #require(h.post(#"{"jsonrpc":"2.0","id":2,"method":"\#(method)","params":{"uri":"phys+mem://constants"}}"#, session: s.token).forwardPlan)
        #expect(plan.server.name == "phys")
        #expect(text(plan.body) == #"{"jsonrpc":"2.0","id":2,"method":"\#(method)","params":{"uri":"mem://constants"}}"#)
    }

    // MARK: credentials

    @Test func clientCredentialsAndCookiesStayHome() throws {
        let s = try session()
        let plan = try #require(h.post(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calc_add","arguments":{}}}"#, session: s.token).forwardPlan)
        for header in ["authorization", "proxy-authorization", "cookie"] { #expect(plan.removeHeaders.contains(header)) }
        // phys is configured with forwardAuthorization: it gets them.
        let phys = try #require(h.post(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"phys_velocity","arguments":{}}}"#, session: s.token).forwardPlan)
        #expect(!phys.removeHeaders.contains("authorization"))
    }

    // MARK: sessionless plain clients

    let call = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calc_add","arguments":{"a":1,"b":2}}}"#

    @Test func anonymousSessionlessCallsGetAFreshBackendSessionEach() throws {
        let one = try #require(h.post(call).forwardPlan)
        let two = try #require(h.post(call).forwardPlan)
        #expect(one.sessionless == .perCall)
        #expect(one.clientSession?.token == "", "never issued to anyone")
        #expect(one.clientSession?.nonce != two.clientSession?.nonce, "two anonymous callers never share server state")
        #expect(one.header("accept") == "application/json, text/event-stream", "servers refuse a POST that accepts neither shape")
        #expect(ForwardRecord(plan: one, backendSession: "b").endsBackendSession)
        #expect(text(one.body).contains(#""name":"add""#))
    }

    @Test func sessionlessTaskCallsAreNotRelayed() throws {
        let task = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calc_add","arguments":{},"task":{"ttl":1000}}}"#
        #expect(try #require(h.post(task).forwardPlan).relayed == false, "no session to seal task ids for")
    }

    @Test func authenticatedSessionlessCallsKeepOneBackendSessionPerIdentity() throws {
        let alice1 = try #require(h.post(call, identity: "jwt:alice").forwardPlan)
        let alice2 = try #require(h.post(call, identity: "jwt:alice").forwardPlan)
        let bob = try #require(h.post(call, identity: "jwt:bob").forwardPlan)
        #expect(alice1.sessionless == .perIdentity)
        #expect(alice1.clientSession?.nonce == alice2.clientSession?.nonce)
        #expect(alice1.clientSession?.nonce != bob.clientSession?.nonce)
        #expect(!ForwardRecord(plan: alice1, backendSession: "b").endsBackendSession)
    }
}
