import JSONWire
@testable import MCPGateway
import Testing

/// What a server sends a client, as the client sees it through the federation.
@Suite struct ServerMessageRewriterTests {
    let client = Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "", now: UInt64(Fixture.t0))
    var rewriter: ServerMessageRewriter { ServerMessageRewriter(server: "calc", backendSession: "b-1", client: client, signer: Fixture.signer) }

    func rewritten(_ json: String) -> String? { rewriter.rewrite(utf8(json)).map(text) }

    @Test func aServerRequestGetsASealedIDThatLeadsBack() throws {
        let out = try #require(rewritten(#"{"jsonrpc":"2.0","id":1,"method":"elicitation/create","params":{"message":"Name?"}}"#))
        let value = try tree(out)
        let id = try #require(value["id"]?.stringValue)
        #expect(id.hasPrefix("mcpgw."))
        let allDigits = id.allSatisfy { $0.isNumber }
        #expect(!allDigits, "the SDK coerces all-digit string ids to numbers")
        #expect(ServerRequestID.open(id, for: client, signer: Fixture.signer) == ServerRequestID(server: "calc", backendSession: "b-1", rawID: utf8("1")))
        #expect(out.hasSuffix(#","method":"elicitation/create","params":{"message":"Name?"}}"#), "every other byte kept")
    }

    @Test func twoServersSameIDTwoDifferentSealedIDs() throws {
        let other = ServerMessageRewriter(server: "phys", backendSession: "b-2", client: client, signer: Fixture.signer)
        let msg = utf8(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
        #expect(rewriter.rewrite(msg) != other.rewrite(msg))
    }

    /// A server withdrawing its own request names it as the client knows it (the sealed id).
    @Test func aServerCancellingItsRequestNamesTheSealedID() throws {
        let request = try tree(try #require(rewritten(#"{"jsonrpc":"2.0","id":0,"method":"elicitation/create","params":{}}"#)))
        let cancel = try tree(try #require(rewritten(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":0,"reason":"timeout"}}"#)))
        #expect(cancel["params"]?["requestId"] == request["id"])
        #expect(cancel["params"]?["reason"] == "timeout")
    }

    @Test func resourceUpdatesNameTheFederatedURI() throws {
        let out = try #require(rewritten(#"{"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":"file:///notes.txt"}}"#))
        #expect(out == #"{"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":"calc+file:///notes.txt"}}"#)
    }

    @Test(arguments: ["tools", "prompts", "resources"])
    func theServersOwnListChangesAreDropped(_ kind: String) {
        #expect(rewritten(#"{"jsonrpc":"2.0","method":"notifications/\#(kind)/list_changed"}"#) == nil)
    }

    @Test(arguments: [#"{"jsonrpc":"2.0","id":3,"result":{"content":[]}}"#,
                      #"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":1}}"#,
                      #"{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}"#,
                      #"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}}"#,
                      "not json at all"])
    func everythingElsePassesByteForByte(_ json: String) {
        #expect(rewritten(json) == json)
    }

    @Test func taskIDsAreSealedWhereverAResultCarriesThem() throws {
        let created = try tree(try #require(rewritten(#"{"jsonrpc":"2.0","id":2,"result":{"task":{"taskId":"task-1","status":"working"}}}"#)))
        let sealed = try #require(created["result"]?["task"]?["taskId"]?.stringValue)
        let opened = try #require(ServerRequestID.open(sealed, for: client, signer: Fixture.signer, purpose: .task))
        #expect(opened.server == "calc")
        #expect(text(opened.rawID) == #""task-1""#)
        #expect(ServerRequestID.open(sealed, for: client, signer: Fixture.signer, purpose: .request) == nil,
                "a task id does not open as a request id")

        let listed = try tree(try #require(rewritten(#"{"jsonrpc":"2.0","id":3,"result":{"tasks":[{"taskId":"task-1"},{"taskId":"task-2"}]}}"#)))
        let ids = try #require(listed["result"]?["tasks"]?.arrayValue).compactMap { $0["taskId"]?.stringValue }
        #expect(ids.count == 2 && ids.allSatisfy { $0.hasPrefix("mcpgw.") } && ids[0] != ids[1])

        let status = try tree(try #require(rewritten(#"{"jsonrpc":"2.0","method":"notifications/tasks/status","params":{"taskId":"task-2","status":"completed"}}"#)))
        #expect(status["params"]?["taskId"]?.stringValue?.hasPrefix("mcpgw.") == true)

        let result = try tree(try #require(rewritten(#"{"jsonrpc":"2.0","id":4,"result":{"content":[],"_meta":{"io.modelcontextprotocol/related-task":{"taskId":"task-2"}}}}"#)))
        #expect(result["result"]?["_meta"]?["io.modelcontextprotocol/related-task"]?["taskId"]?.stringValue?.hasPrefix("mcpgw.") == true)
    }
}

@Suite struct RelayTicketTests {
    let client = Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "", now: UInt64(Fixture.t0))
    let body = utf8(#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"add"}}"#)
    let ticket = RelayTicket(server: "calc", backendSession: "b-9", rawID: utf8("7"), expires: UInt64(Fixture.t0) + 30)

    @Test func opensForTheSameSessionAndBodyUntilItExpires() {
        let sealed = ticket.sealed(for: client, body: body, signer: Fixture.signer)
        #expect(sealed.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f }, "it travels in a header")
        #expect(RelayTicket.open(sealed, for: client, body: body, signer: Fixture.signer, now: UInt64(Fixture.t0)) == ticket)
        #expect(RelayTicket.open(sealed, for: client, body: body, signer: Fixture.signer, now: UInt64(Fixture.t0) + 31) == nil)
    }

    @Test func refusedForAnotherSessionBodyOrKey() {
        let sealed = ticket.sealed(for: client, body: body, signer: Fixture.signer)
        let other = Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "", now: UInt64(Fixture.t0))
        #expect(RelayTicket.open(sealed, for: other, body: body, signer: Fixture.signer, now: UInt64(Fixture.t0)) == nil)
        #expect(RelayTicket.open(sealed, for: client, body: body + [32], signer: Fixture.signer, now: UInt64(Fixture.t0)) == nil)
        let stranger = SessionSigner(secret: utf8("another-secret-0123456789"), ttlSeconds: 60)
        #expect(RelayTicket.open(sealed, for: client, body: body, signer: stranger, now: UInt64(Fixture.t0)) == nil)
        #expect(RelayTicket.open("garbage", for: client, body: body, signer: Fixture.signer, now: UInt64(Fixture.t0)) == nil)
    }
}

@Suite struct RouterRelayAndTaskTests {
    let h = RouterHarness()

    func session(_ caps: String) throws -> ClientSession {
        let body = #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":\#(caps)}}"#
        return try #require(h.post(body).localReply?.newSession)
    }

    let call = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calc_add","arguments":{}}}"#

    /// Pay only where used: a client that cannot receive server requests keeps the direct path.
    @Test func onlyClientsThatAcceptServerRequestsAreRelayed() throws {
        #expect(try #require(h.post(call, session: try session("{}").token).forwardPlan).relayed == false)
        #expect(try #require(h.post(call, session: try session(#"{"experimental":{"x":{}}}"#).token).forwardPlan).relayed == false)
        for caps in [#"{"elicitation":{}}"#, #"{"sampling":{}}"#, #"{"roots":{"listChanged":true}}"#] {
            #expect(try #require(h.post(call, session: try session(caps).token).forwardPlan).relayed, "\(caps)")
        }
        let subscribe = #"{"jsonrpc":"2.0","id":2,"method":"resources/subscribe","params":{"uri":"phys+mem://constants"}}"#
        #expect(try #require(h.post(subscribe, session: try session(#"{"sampling":{}}"#).token).forwardPlan).relayed == false)
    }

    @Test func taskAugmentedCallsAreRelayed() throws {
        let body = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calc_add","arguments":{},"task":{"ttl":60000}}}"#
        #expect(try #require(h.post(body, session: try session("{}").token).forwardPlan).relayed)
    }

    @Test(arguments: ["tasks/get", "tasks/result", "tasks/cancel"])
    func taskRequestsGoToTheServerThatCreatedTheTask(_ method: String) throws {
        let s = try session("{}")
        let sealed = text(ServerRequestID(server: "phys", backendSession: "b-3", rawID: utf8(#""task-1""#), purpose: .task)
            .sealed(for: s, signer: Fixture.signer))
        let plan = try #require(h.post(#"{"jsonrpc":"2.0","id":5,"method":"\#(method)","params":{"taskId":\#(sealed)}}"#, session: s.token).forwardPlan)
        #expect(plan.server.name == "phys")
        #expect(plan.backendSession == "b-3")
        #expect(plan.relayed)
        #expect(text(plan.body) == #"{"jsonrpc":"2.0","id":5,"method":"\#(method)","params":{"taskId":"task-1"}}"#)
    }

    @Test func aTaskOfAnotherSessionIsUnknown() throws {
        let alice = try session("{}"), bob = try session("{}")
        let sealed = text(ServerRequestID(server: "calc", backendSession: "b", rawID: utf8(#""task-1""#), purpose: .task)
            .sealed(for: alice, signer: Fixture.signer))
        for id in [sealed, #""task-1""#, "1"] {
            let reply = try #require(h.post(#"{"jsonrpc":"2.0","id":5,"method":"tasks/get","params":{"taskId":\#(id)}}"#, session: bob.token).localReply)
            #expect(reply.errorCode == -32602)
        }
    }

    @Test func tasksListAsksTheServersThatSupportTasks() throws {
        var calc = Fixture.calc
        calc.tasks = true
        var states = Fixture.states
        states["calc"] = .up(calc)
        let catalog = CatalogSnapshot(generation: 2, config: h.config, states: states)
        let s = try session("{}")
        let r = h.router()
        let decision = r.route(head: MCPRequestHead(method: "POST", path: "/mcp", sessionID: s.token),
                               body: utf8(#"{"jsonrpc":"2.0","id":"l","method":"tasks/list"}"#)[...], catalog: catalog)
        guard case .gather(let plan) = decision else { Issue.record("expected gather, got \(decision)"); return }
        #expect(plan.servers == ["calc"])
        #expect(text(plan.rawID) == #""l""#)
        // …and initialize says tasks are supported.
        let opened = r.route(head: MCPRequestHead(method: "POST", path: "/mcp"),
                           body: utf8(#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}"#)[...], catalog: catalog)
        #expect(opened.localReply?.result?["capabilities"]?["tasks"]?["list"] == [:])
        #expect(h.post(#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}"#).localReply?.result?["capabilities"]?["tasks"] == nil)
    }
}
