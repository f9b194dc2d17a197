import JSONWire
@testable import MCPGateway
import Testing

/// 2026-07-28 clients: no sessions, headers checked against the body, status mapped from codes.
@Suite struct RouterModernTests {
    let h = RouterHarness()
    let v = "2026-07-28"

    func modern(_ method: String, params: String = "{}", id: String = "1", mcpMethod: String? = nil, session: String? = nil) -> RouteDecision {
        // Name-bearing methods carry Mcp-Name equal to the body's name (or uri), as 2026-07-28 requires.
        let p = try? JSONValue(parsing: params)
        let name = (method == "resources/read" ? p?["uri"] : p?["name"])?.stringValue
        return h.post(modernBody(id: id, method: method, params: params), session: session, version: v, mcpMethod: mcpMethod ?? method,
                      mcpName: name.map(MCPHeaderValue.encode))
    }

    func expectModernResultFields(_ result: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result["resultType"] == "complete", sourceLocation: sourceLocation)
        #expect(result["ttlMs"] == 0, sourceLocation: sourceLocation)
        #expect(result["cacheScope"] == "private", sourceLocation: sourceLocation)
        #expect(result["_meta"] == ["io.modelcontextprotocol/serverInfo": ["name": "test-gateway", "version": "9.9.9-test"]],
                sourceLocation: sourceLocation)
    }

    @Test func serverDiscover() throws {
        let reply = try #require(modern("server/discover", id: #""d1""#).localReply)
        #expect(reply.status == 200)
        #expect(reply.header("mcp-session-id") == nil)
        #expect(reply.newSession == nil)
        let json = try #require(reply.json)
        #expect(json["id"] == "d1")
        let result = try #require(json["result"])
        #expect(result["supportedVersions"] == ["2026-07-28"])
        #expect(result["capabilities"]?["tools"]?["listChanged"] == true)
        #expect(result["instructions"]?.stringValue?.contains("Use calc for arithmetic.") == true)
        expectModernResultFields(result)
    }

    @Test func discoverNeedsNoSessionAndIgnoresAStrayOne() throws {
        #expect(modern("server/discover", session: "g1.stray.id").localReply?.status == 200)
    }

    @Test func toolsListCarriesModernFields() throws {
        let reply = try #require(modern("tools/list").localReply)
        #expect(reply.status == 200)
        let result = try #require(reply.result)
        #expect(result["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["calc_add", "calc_divide", "phys_velocity"])
        expectModernResultFields(result)
    }

    @Test(arguments: ["prompts/list", "resources/list", "resources/templates/list"])
    func otherListsCarryModernFields(_ method: String) throws {
        let result = try #require(modern(method).localReply?.result)
        expectModernResultFields(result)
    }

    @Test func paginationInModernEra() throws {
        let small = RouterHarness(config: Fixture.config(pageSize: 2))
        let first = try #require(small.post(modernBody(method: "tools/list"), version: v, mcpMethod: "tools/list").localReply?.result)
        let cursor = try #require(first["nextCursor"]?.stringValue)
        let second = try #require(small.post(modernBody(method: "tools/list", params: #"{"cursor":"\#(cursor)"}"#), version: v,
                                             mcpMethod: "tools/list").localReply?.result)
        #expect(second["tools"]?.arrayValue?.count == 1)
        expectModernResultFields(second)
        let bad = try #require(small.post(modernBody(method: "tools/list", params: #"{"cursor":"zzz"}"#), version: v,
                                          mcpMethod: "tools/list").localReply)
        #expect(bad.status == 400, "-32602 maps to 400 in 2026-07-28")
        #expect(bad.errorCode == -32602)
    }

    @Test func toolsCallForwardsWithMcpName() throws {
        let body = utf8(modernBody(id: "77", method: "tools/call", params: #"{"name":"calc_add","arguments":{"a":1,"b":2}}"#))
        let head = MCPRequestHead(method: "POST", path: "/mcp", sessionID: "g1.stray.session", protocolVersion: v,
                                  mcpMethod: "tools/call", mcpName: "calc_add")
        let plan = try #require(h.post(body, head: head).forwardPlan)
        #expect(plan.era == .modern)
        #expect(plan.clientSession == nil)
        #expect(plan.server.name == "calc")
        #expect(plan.header("mcp-name") == "add")
        #expect(plan.header("x-mcp-server") == "calc")
        #expect(plan.header("content-length") == String(plan.body.count))
        #expect(plan.removeHeaders.contains("mcp-session-id"))
        #expect(plan.removeHeaders.contains("authorization"))
        #expect(plan.rawID == utf8("77"))
        expectSpliced(plan.body, from: body, range: try memberRange(body, "name"), to: #""add""#)
        // The _meta envelope travels untouched.
        #expect(try tree(plan.body)["params"]?["_meta"]?["io.modelcontextprotocol/protocolVersion"] == "2026-07-28")
    }

    @Test func mcpNameMustMatchTheBody() {
        let body = modernBody(method: "tools/call", params: #"{"name":"calc_add","arguments":{}}"#)
        for header in [nil, "calc_sub", "=?base64?not base64?="] as [String?] {
            let reply = h.post(body, version: v, mcpMethod: "tools/call", mcpName: header).localReply
            #expect(reply?.status == 400)
            #expect(reply?.errorCode == -32020)
        }
        #expect(h.post(body, version: v, mcpMethod: "tools/call", mcpName: "=?base64?Y2FsY19hZGQ=?=").forwardPlan != nil)
        #expect(h.post(body, version: v, mcpMethod: nil, mcpName: "calc_add").localReply?.errorCode == -32020)
    }

    @Test func nonASCIIOriginalNameIsSentinelEncoded() throws {
        let body = utf8(modernBody(method: "resources/read", params: #"{"uri":"calc+file:///müller.txt"}"#))
        let plan = try #require(h.post(body, head: MCPRequestHead(method: "POST", path: "/mcp", protocolVersion: v, mcpMethod: "resources/read",
                                                                  mcpName: MCPHeaderValue.encode("calc+file:///müller.txt"))).forwardPlan)
        #expect(plan.header("mcp-name") == "=?base64?ZmlsZTovLy9tw7xsbGVyLnR4dA==?=")
        expectSpliced(plan.body, from: body, range: try memberRange(body, "uri"), to: #""file:///müller.txt""#)
    }

    @Test func promptsGetAndCompletionForwarded() throws {
        let prompt = try #require(modern("prompts/get", params: #"{"name":"calc_explain"}"#).forwardPlan)
        #expect(prompt.header("mcp-name") == "explain")
        let completion = try #require(modern("completion/complete", params: #"{"ref":{"type":"ref/prompt","name":"calc_explain"},"argument":{"name":"a","value":""}}"#).forwardPlan)
        #expect(completion.server.name == "calc")
        #expect(completion.originalName == "explain")
    }

    @Test func toolOfAServerThatSpeaksOnlyTheHandshakeEraIsBridged() throws {
        let plan = try #require(modern("tools/call", params: #"{"name":"phys_velocity"}"#).forwardPlan)
        // Relayed by the gateway (CallBridge), bound to the caller; the body keeps the 2026-07-28 envelope
        // (the bridge translates it) with the server's own name.
        #expect(plan.relayed && plan.era == .modern && plan.server.name == "phys" && plan.originalName == "velocity")
        #expect(plan.clientSession == ModernBridge.caller(identityDigest: ""))
        #expect(text(plan.body).contains(#""name":"velocity""#) && text(plan.body).contains("io.modelcontextprotocol/protocolVersion"))
        // A server that speaks 2026-07-28 keeps the direct path.
        let direct = try #require(modern("tools/call", params: #"{"name":"calc_add"}"#).forwardPlan)
        #expect(!direct.relayed && direct.clientSession == nil)
    }

    @Test func unknownToolIs400() throws {
        let reply = try #require(modern("tools/call", params: #"{"name":"calc_nope"}"#).localReply)
        #expect(reply.status == 400)
        #expect(reply.errorCode == -32602)
        #expect(reply.errorMessage == "Unknown tool: calc_nope")
    }

    @Test(arguments: ["initialize", "ping", "logging/setLevel", "resources/subscribe", "no/such"])
    func unknownOrRemovedMethodIs404(_ method: String) throws {
        let reply = try #require(modern(method).localReply)
        #expect(reply.status == 404)
        #expect(reply.errorCode == -32601)
        #expect(reply.errorMessage == "Method not found")
        #expect(reply.json?["error"]?["data"] == .string(method))
        #expect(reply.newSession == nil)
    }

    @Test(arguments: ["2099-01-01", "garbage", "2026-07-29"])
    func unsupportedVersionIs400WithSupportedList(_ version: String) throws {
        let reply = try #require(h.post(modernBody(id: "9", method: "tools/list"), version: version, mcpMethod: "tools/list").localReply)
        #expect(reply.status == 400)
        #expect(reply.errorCode == -32022)
        #expect(reply.json?["id"] == 9)
        let data = try #require(reply.json?["error"]?["data"])
        let list = try #require(data["supported"]?.arrayValue)
        let supported = list.compactMap { $0.stringValue }
        #expect(supported.contains("2026-07-28"))
        #expect(Set(ProtocolEra.handshakeVersions).isSubset(of: supported))
        #expect(data["requested"] == .string(version))
    }

    @Test func mcpMethodHeaderMismatchIs400() throws {
        let reply = try #require(h.post(modernBody(method: "tools/list"), version: v, mcpMethod: "tools/call").localReply)
        #expect(reply.status == 400)
        #expect(reply.errorCode == -32020)
        #expect(reply.errorMessage?.contains("mcp-method") == true)
        // Compared after decoding the body: an escaped method still matches.
        let escaped = modernBody(method: #"tools\/list"#)
        #expect(h.post(escaped, version: v, mcpMethod: "tools/list").localReply?.status == 200)
    }

    @Test func subscriptionsListenStreams() throws {
        let plan = try #require(modern("subscriptions/listen", params: #"{"notifications":{"toolsListChanged":true}}"#).streamPlan)
        #expect(plan == StreamPlan(session: nil, era: .modern))
    }

    @Test func notificationsAre202() throws {
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{}}"#, version: v).localReply)
        #expect(reply.status == 202)
        #expect(reply.body.isEmpty)
    }

    @Test func parseErrorIs400WithNullId() throws {
        let reply = try #require(h.post("{nope", version: v, mcpMethod: "tools/list").localReply)
        #expect(reply.status == 400)
        #expect(reply.errorCode == -32700)
        #expect(reply.json?["id"] == .null)
    }

    @Test func wrongPathIs404InModernEraToo() throws {
        let head = MCPRequestHead(method: "POST", path: "/api", protocolVersion: v, mcpMethod: "tools/list")
        #expect(h.post(utf8(modernBody(method: "tools/list")), head: head).localReply?.status == 404)
    }
}

/// Each era's clients get entries as the server lists them for that era.
@Suite struct PerEraCatalogTests {
    @Test func modernClientsSeeTheModernListing() throws {
        var calc = Fixture.calc
        calc.tools = [["name": "add", "inputSchema": ["type": "object"], "execution": ["taskSupport": "optional"]]]
        calc.modernLists = ["tools": [["name": "add", "inputSchema": ["type": "object"]]]]
        var states = Fixture.states
        states["calc"] = .up(calc)
        let h = RouterHarness()
        let catalog = CatalogSnapshot(generation: 3, config: h.config, states: states)
        let r = h.router()
        func listed(_ head: MCPRequestHead, _ body: String) throws -> JSONValue {
            try #require(r.route(head: head, body: utf8(body)[...], catalog: catalog).localReply?.result?["tools"]?.arrayValue?.first)
        }
        let session = try #require(h.openSession())
        let legacy = try listed(MCPRequestHead(method: "POST", path: "/mcp", sessionID: session), #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        #expect(legacy["execution"] == ["taskSupport": "optional"])
        let modern = try listed(MCPRequestHead(method: "POST", path: "/mcp", protocolVersion: "2026-07-28", mcpMethod: "tools/list"),
                                modernBody(method: "tools/list"))
        #expect(modern["name"] == "calc_add")
        #expect(modern["execution"] == nil)
        // Filtered (policy) pages take the same per-era entries as the pre-joined ones.
        let restricted = r.route(head: MCPRequestHead(method: "POST", path: "/mcp", protocolVersion: "2026-07-28", mcpMethod: "tools/list"),
                                 body: utf8(modernBody(method: "tools/list"))[...], catalog: catalog, grants: .servers(["calc"]))
        #expect(restricted.localReply?.result?["tools"]?.arrayValue?.first?["execution"] == nil)
    }
}
