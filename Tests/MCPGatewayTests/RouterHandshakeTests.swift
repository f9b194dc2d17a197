import JSONWire
@testable import MCPGateway
import Testing

/// Checks that `output` is `input` with exactly the bytes of `range` replaced by `replacement`.
func expectSpliced(_ output: [UInt8], from input: [UInt8], range: Range<Int>, to replacement: String,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    let lower = range.lowerBound - 0, upper = range.upperBound
    #expect(output.count == input.count - range.count + replacement.utf8.count, sourceLocation: sourceLocation)
    #expect(Array(output.prefix(lower)) == Array(input.prefix(lower)), "bytes before the name changed", sourceLocation: sourceLocation)
    #expect(Array(output.suffix(input.count - upper)) == Array(input.suffix(input.count - upper)),
            "bytes after the name changed", sourceLocation: sourceLocation)
    let middle = output.dropFirst(lower).prefix(output.count - lower - (input.count - upper))
    #expect(text(Array(middle)) == replacement, sourceLocation: sourceLocation)
}

/// The range of `params.<member>` (or of `params.ref.<member>`) in `body`.
func memberRange(_ body: [UInt8], _ member: String, inRef: Bool = false) throws -> Range<Int> {
    let request = try JSONRPCRequest(parsing: body[...])
    if inRef {
        let ref = try #require(request.param("ref"))
        return try #require(request.scanner.lastMember(named: member, in: ref))
    }
    return try #require(request.param(member))
}

@Suite struct RouterInitializeTests {
    let h = RouterHarness()

    @Test(arguments: [("2025-06-18", "2025-06-18"), ("2024-11-05", "2024-11-05"), ("2025-11-25", "2025-11-25"),
                      ("2099-01-01", "2025-11-25"), ("2026-07-28", "2025-11-25")])
    func negotiatesAndOpensASession(_ offered: String, _ negotiated: String) throws {
        let body = #"{"jsonrpc":"2.0","id":"init-1","method":"initialize","params":{"protocolVersion":"\#(offered)","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}"#
        let reply = try #require(h.post(body, identity: "alice").localReply)
        #expect(reply.status == 200)
        #expect(reply.contentType == "application/json")
        let token = try #require(reply.header("mcp-session-id"))
        let session = try #require(reply.newSession)
        #expect(session.token == token)
        #expect(session.protocolVersion == negotiated)
        #expect(session.identityDigest == "alice")
        #expect(Fixture.signer.verify(token, now: UInt64(Fixture.t0)) == session)

        let json = try #require(reply.json)
        #expect(json["id"] == "init-1")
        let result = try #require(json["result"])
        #expect(result["protocolVersion"]?.stringValue == negotiated)
        #expect(result["serverInfo"] == ["name": "test-gateway", "version": "9.9.9-test"])
        #expect(result["capabilities"]?["tools"]?["listChanged"] == true)
        #expect(result["capabilities"]?["prompts"]?["listChanged"] == true)
        #expect(result["capabilities"]?["resources"]?["listChanged"] == true)
        #expect(result["capabilities"]?["completions"] == [:])
        #expect(result["instructions"] == "[calc, tools prefixed calc_] Use calc for arithmetic.")
        #expect(result["resultType"] == nil, "no 2026 fields in the handshake era")
    }

    @Test func noOfferedVersionGetsLatest() throws {
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#).localReply)
        #expect(reply.result?["protocolVersion"] == "2025-11-25")
    }

    @Test func initializeIgnoresAStaleSessionHeader() throws {
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#, session: "g1.dead.beef").localReply)
        #expect(reply.status == 200)
        #expect(reply.newSession != nil)
    }

    @Test func eachInitializeMintsANewSession() throws {
        let a = try #require(h.openSession()), b = try #require(h.openSession())
        #expect(a != b)
    }

    @Test func noInstructionsWhenNoServerHasAny() throws {
        var config = Fixture.config()
        config.servers.removeFirst()
        let reply = try #require(RouterHarness(config: config).post(#"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#).localReply)
        #expect(reply.result?["instructions"] == nil)
    }

    @Test func initializeAsANotificationOpensNothing() throws {
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","method":"initialize"}"#).localReply)
        #expect(reply.status == 202)
        #expect(reply.newSession == nil)
    }
}

@Suite struct RouterSessionTests {
    let h = RouterHarness()
    let list = #"{"jsonrpc":"2.0","id":5,"method":"tools/list"}"#

    /// A plain client (no session, no protocol version, no Accept) gets the list, as the
    /// walk-through's first curl expects.
    @Test func sessionlessListIsAnswered() throws {
        let reply = try #require(h.post(list).localReply)
        #expect(reply.status == 200)
        #expect(reply.json?["id"] == 5)
        #expect(reply.result?["tools"]?.arrayValue?.isEmpty == false)
    }

    @Test func sessionlessResponseNeedsASession() throws {
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","id":"x","result":{}}"#).localReply)
        #expect(reply.status == 400)
        #expect(reply.errorCode == -32600)
    }

    @Test func sessionlessUnknownMethodNeedsASession() throws {
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","id":3,"method":"tasks/list"}"#).localReply)
        #expect(reply.status == 400)
        #expect(reply.json?["id"] == 3)
    }

    @Test(arguments: ["g1.AAAA.AAAA", "not-a-token", "g1..", String(repeating: "x", count: 600)])
    func forgedSessionIs404(_ token: String) throws {
        let reply = try #require(h.post(list, session: token).localReply)
        #expect(reply.status == 404)
        #expect(reply.errorCode == -32001)
    }

    @Test func sessionFromAnotherSignerIs404() throws {
        let foreign = SessionSigner(secret: utf8("another-secret-0123456789"), ttlSeconds: 3600)
            .issue(protocolVersion: "2025-11-25", identityDigest: "", now: UInt64(Fixture.t0))
        #expect(h.post(list, session: foreign.token).localReply?.status == 404)
    }

    @Test func expiredSessionIs404() throws {
        let token = try #require(h.openSession())
        #expect(h.post(list, session: token, at: Fixture.t0 + 3599).localReply?.status == 200)
        #expect(h.post(list, session: token, at: Fixture.t0 + 3600).localReply?.status == 404)
    }

    @Test func sessionIssuedInTheFutureIs404() throws {
        let token = try #require(h.openSession(at: Fixture.t0 + 3600))
        #expect(h.post(list, session: token, at: Fixture.t0).localReply?.status == 404)
    }

    @Test func revokedSessionIs404() throws {
        let token = try #require(h.openSession())
        let session = try #require(Fixture.signer.verify(token, now: UInt64(Fixture.t0)))
        try h.revocations.revoke(session, until: Fixture.t0 + 3600, now: Fixture.t0)
        #expect(h.post(list, session: token).localReply?.status == 404)
    }

    @Test func sessionOfAnotherIdentityIs404() throws {
        let token = try #require(h.openSession(identity: "alice"))
        #expect(h.post(list, session: token, identity: "alice").localReply?.status == 200)
        #expect(h.post(list, session: token, identity: "bob").localReply?.status == 404)
        #expect(h.post(list, session: token, identity: "").localReply?.status == 404)
        let anonymous = try #require(h.openSession())
        #expect(h.post(list, session: anonymous, identity: "alice").localReply?.status == 404)
    }

    @Test func notificationsAccepted() throws {
        let token = try #require(h.openSession())
        for body in [#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
                     #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}"#] {
            let reply = try #require(h.post(body, session: token).localReply)
            #expect(reply.status == 202)
            #expect(reply.body.isEmpty)
        }
        #expect(h.post(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).localReply?.status == 202)
    }

    /// A response whose id the gateway never sealed for this session reaches no server.
    @Test(arguments: [#""srv-1""#, "1", #""mcpgw.AAAA.AAAA""#])
    func unsealedResponseRefused(_ id: String) throws {
        let token = try #require(h.openSession())
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","id":\#(id),"result":{"roots":[]}}"#, session: token).localReply)
        #expect(reply.status == 400)
        #expect(reply.errorCode == -32600)
    }

    @Test(arguments: ["ping", "logging/setLevel"])
    func answeredLocally(_ method: String) throws {
        let token = try #require(h.openSession())
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","id":"p","method":"\#(method)","params":{"level":"info"}}"#, session: token).localReply)
        #expect(reply.status == 200)
        #expect(text(reply.body) == #"{"jsonrpc":"2.0","id":"p","result":{}}"#)
    }

    @Test(arguments: ["sampling/createMessage", "server/discover", "nope"])
    func unknownMethodIs200WithMethodNotFound(_ method: String) throws {
        let token = try #require(h.openSession())
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","id":1,"method":"\#(method)"}"#, session: token).localReply)
        #expect(reply.status == 200)
        #expect(reply.errorCode == -32601)
        #expect(reply.json?["error"]?["data"] == .string(method))
    }

    @Test func malformedBodyIs400ParseError() throws {
        let token = try #require(h.openSession())
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","id":1,"method":"#, session: token).localReply)
        #expect(reply.status == 400)
        #expect(reply.errorCode == -32700)
        #expect(reply.json?["id"] == .null)
    }

    @Test func batchIs400() throws {
        let token = try #require(h.openSession())
        let reply = try #require(h.post(#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#, session: token).localReply)
        #expect(reply.status == 400)
        #expect(reply.errorCode == -32600)
        #expect(reply.errorMessage?.contains("batch") == true)
    }

    @Test func bodyOverTheLimitIs413() throws {
        let limit = 256
        let small = RouterHarness(config: Fixture.config(maxBodyBytes: limit))
        let token = try #require(small.openSession())
        let exact = #"{"jsonrpc":"2.0","id":1,"method":"ping"}"#
        let padded = String(exact.dropLast()) + String(repeating: " ", count: limit - exact.utf8.count) + "}"
        #expect(padded.utf8.count == limit)
        #expect(small.post(padded, session: token).localReply?.status == 200)
        let over = String(padded.dropLast()) + " }"
        let reply = try #require(small.post(over, session: token).localReply)
        #expect(reply.status == 413)
        #expect(reply.errorMessage?.contains("256") == true)
        // Checked before anything else: even a modern or sessionless request.
        #expect(small.post(over, version: "2026-07-28").localReply?.status == 413)
        #expect(small.post(over).localReply?.status == 413)
    }
}

@Suite struct RouterListTests {
    func listReply(_ h: RouterHarness, _ token: String, _ method: String, cursor: String? = nil, id: String = "1") throws -> LocalReply {
        let params = cursor.map { #","params":{"cursor":"\#($0)"}"# } ?? ""
        return try #require(h.post(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)"\#(params)}"#, session: token).localReply)
    }

    @Test func toolsListReturnsPrefixedTools() throws {
        let h = RouterHarness()
        let token = try #require(h.openSession())
        let reply = try listReply(h, token, "tools/list", id: #""L""#)
        #expect(reply.status == 200)
        let result = try #require(reply.result)
        let tools = try #require(result["tools"]?.arrayValue)
        #expect(tools.map { $0["name"]?.stringValue } == ["calc_add", "calc_divide", "phys_velocity"])
        #expect(tools[0]["inputSchema"] == Fixture.addTool["inputSchema"])
        #expect(result["nextCursor"] == nil)
        #expect(result["resultType"] == nil && result["ttlMs"] == nil && result["cacheScope"] == nil)
        // The rendered entries are spliced verbatim.
        let expected = #"{"jsonrpc":"2.0","id":"L","result":{"tools":["# + h.catalog.tools.map { text($0.json) }.joined(separator: ",") + "]}}"
        #expect(text(reply.body) == expected)
    }

    @Test(arguments: [("prompts/list", "prompts", ["calc_explain", "phys_explain"]),
                      ("resources/list", "resources", ["calc+file:///notes.txt", "phys+mem://constants"]),
                      ("resources/templates/list", "resourceTemplates", ["calc+file:///{path}"])])
    func otherLists(_ method: String, _ key: String, _ names: [String]) throws {
        let h = RouterHarness()
        let token = try #require(h.openSession())
        let result = try #require(try listReply(h, token, method).result)
        let items = try #require(result[key]?.arrayValue)
        let field = key == "prompts" ? "name" : key == "resources" ? "uri" : "uriTemplate"
        #expect(items.map { $0[field]?.stringValue } == names)
    }

    @Test func paginationRoundTrip() throws {
        let h = RouterHarness(config: Fixture.config(pageSize: 1))
        let token = try #require(h.openSession())
        var names: [String] = [], cursor: String? = nil, pages = 0
        repeat {
            let result = try #require(try listReply(h, token, "tools/list", cursor: cursor).result)
            let page = try #require(result["tools"]?.arrayValue)
            #expect(page.count == 1)
            names += page.compactMap { $0["name"]?.stringValue }
            cursor = result["nextCursor"]?.stringValue
            pages += 1
        } while cursor != nil && pages < 10
        #expect(pages == 3)
        #expect(names == ["calc_add", "calc_divide", "phys_velocity"])
    }

    @Test func pageSizeTwo() throws {
        let h = RouterHarness(config: Fixture.config(pageSize: 2))
        let token = try #require(h.openSession())
        let first = try #require(try listReply(h, token, "tools/list").result)
        #expect(first["tools"]?.arrayValue?.count == 2)
        let cursor = try #require(first["nextCursor"]?.stringValue)
        let second = try #require(try listReply(h, token, "tools/list", cursor: cursor).result)
        #expect(second["tools"]?.arrayValue?.map { $0["name"]?.stringValue } == ["phys_velocity"])
        #expect(second["nextCursor"] == nil)
    }

    @Test func cursorOfAnotherListRefused() throws {
        let h = RouterHarness(config: Fixture.config(pageSize: 1))
        let token = try #require(h.openSession())
        let prompts = try #require(try listReply(h, token, "prompts/list").result)
        let promptCursor = try #require(prompts["nextCursor"]?.stringValue)
        #expect(try listReply(h, token, "prompts/list", cursor: promptCursor).result?["prompts"]?.arrayValue?.count == 1)
        let reply = try listReply(h, token, "tools/list", cursor: promptCursor)
        #expect(reply.status == 200, "handshake era: JSON-RPC errors travel in a 200")
        #expect(reply.errorCode == -32602)
        #expect(reply.errorMessage == "Invalid cursor")
        // "r" (resources) must not accept "rt" (templates) cursors, nor the other way round.
        #expect(try listReply(h, token, "resources/list", cursor: ListPagination.cursor(kind: "rt", offset: 1)).errorCode == -32602)
        #expect(try listReply(h, token, "resources/templates/list", cursor: ListPagination.cursor(kind: "r", offset: 1)).errorCode == -32602)
    }

    @Test(arguments: ["!!!", "not base64 at all", "dDo", "dDotMQ", "dDp4"])
    func invalidCursorRefused(_ cursor: String) throws {
        // "dDo" = "t:", "dDotMQ" = "t:-1", "dDp4" = "t:x".
        let h = RouterHarness(config: Fixture.config(pageSize: 1))
        let token = try #require(h.openSession())
        #expect(try listReply(h, token, "tools/list", cursor: cursor).errorCode == -32602)
    }

    @Test func cursorPastTheEndGivesAnEmptyPage() throws {
        let h = RouterHarness(config: Fixture.config(pageSize: 1))
        let token = try #require(h.openSession())
        let result = try #require(try listReply(h, token, "tools/list", cursor: ListPagination.cursor(kind: "t", offset: 99)).result)
        #expect(result["tools"] == [])
        #expect(result["nextCursor"] == nil)
    }

    @Test func paginationHelpers() {
        #expect(ListPagination.offset(from: nil, kind: "t") == 0)
        #expect(ListPagination.offset(from: ListPagination.cursor(kind: "t", offset: 42), kind: "t") == 42)
        #expect(ListPagination.offset(from: ListPagination.cursor(kind: "t", offset: 42), kind: "p") == nil)
        #expect(ListPagination.offset(from: ListPagination.cursor(kind: "t", offset: -1), kind: "t") == nil)
    }
}

@Suite struct RouterForwardTests {
    let h = RouterHarness()

    @Test func toolsCallSplicesTheOriginalNameAndNothingElse() throws {
        let token = try #require(h.openSession())
        let body = utf8("""
        { "jsonrpc" : "2.0", "id" : "call-\\u0031",\t"method":"tools\\/call",
          "params": { "_meta": {"progressToken": 7, "traceparent": "00-ab"}, "name" : "calc_add",
                      "arguments": {"a": 1.50e0, "b": -0, "name": "calc_add", "note": "ünï \\"q\\""} } }
        """)
        let decision = h.post(body, head: MCPRequestHead(method: "POST", path: "/mcp", sessionID: token, protocolVersion: "2025-11-25"))
        let plan = try #require(decision.forwardPlan)
        expectSpliced(plan.body, from: body, range: try memberRange(body, "name"), to: #""add""#)
        #expect(plan.server.name == "calc")
        #expect(plan.server.cluster == "calc")
        #expect(plan.era == .handshake)
        #expect(plan.clientSession?.token == token)
        #expect(plan.rpcMethod == "tools/call")
        #expect(plan.publicName == "calc_add")
        #expect(plan.originalName == "add")
        #expect(plan.rawID == utf8(#""call-\u0031""#))
        #expect(plan.header("x-mcp-server") == "calc")
        #expect(plan.header("content-length") == String(plan.body.count))
        #expect(plan.header("mcp-name") == nil)
        #expect(plan.removeHeaders.contains("authorization"))
        #expect(!plan.removeHeaders.contains("mcp-session-id"), "the adapter swaps in the backend session")
        // The body is still valid JSON and the server will read its own tool name.
        let forwarded = try JSONRPCRequest(parsing: plan.body[...])
        #expect(forwarded.stringParam("name") == "add")
        #expect(try tree(plan.body)["params"]?["arguments"]?["name"] == "calc_add")
    }

    @Test func escapedNameAndDuplicateNameMembers() throws {
        let token = try #require(h.openSession())
        // Last "name" wins, as on the server: it is the one checked and the one rewritten.
        let body = utf8(#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"phys_velocity","name":"calc\u005fdivide","arguments":{}}}"#)
        let plan = try #require(h.post(body, head: MCPRequestHead(method: "POST", path: "/mcp", sessionID: token)).forwardPlan)
        #expect(plan.server.name == "calc")
        #expect(plan.originalName == "divide")
        expectSpliced(plan.body, from: body, range: try memberRange(body, "name"), to: #""divide""#)
        #expect(text(plan.body) == #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"phys_velocity","name":"divide","arguments":{}}}"#)
    }

    @Test func forwardAuthorizationPerServer() throws {
        let token = try #require(h.openSession())
        let plan = try #require(h.post(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"phys_velocity"}}"#, session: token).forwardPlan)
        #expect(plan.server.name == "phys")
        #expect(plan.server.cluster == "physics")
        #expect(plan.header("x-mcp-server") == "phys")
        #expect(!plan.removeHeaders.contains("authorization"))
    }

    @Test func unknownToolNamesTheTool() throws {
        let token = try #require(h.openSession())
        for name in ["calc_nope", "add", "calc_secret_admin", "dead_ghost"] {
            let reply = try #require(h.post(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\#(name)"}}"#, session: token).localReply)
            #expect(reply.status == 200)
            #expect(reply.errorCode == -32602)
            #expect(reply.errorMessage == "Unknown tool: \(name)")
        }
    }

    @Test(arguments: [#"{}"#, #"{"name":5}"#, #"{"arguments":{"name":"calc_add"}}"#])
    func toolsCallWithoutAName(_ params: String) throws {
        let token = try #require(h.openSession())
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":\#(params)}"#, session: token).localReply)
        #expect(reply.errorCode == -32602)
        #expect(reply.errorMessage?.contains("params.name") == true)
    }

    @Test func toolsCallWithoutParams() throws {
        let token = try #require(h.openSession())
        #expect(h.post(#"{"jsonrpc":"2.0","id":1,"method":"tools/call"}"#, session: token).localReply?.errorCode == -32602)
    }

    @Test func resourcesReadRoutesByURIScheme() throws {
        let token = try #require(h.openSession())
        let body = utf8(#"{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"phys+mem://constants","x":[1,2]}}"#)
        let plan = try #require(h.post(body, head: MCPRequestHead(method: "POST", path: "/mcp", sessionID: token)).forwardPlan)
        #expect(plan.server.name == "phys")
        #expect(plan.originalName == "mem://constants")
        #expect(plan.publicName == "phys+mem://constants")
        expectSpliced(plan.body, from: body, range: try memberRange(body, "uri"), to: #""mem://constants""#)
        // Any URI under a known server's scheme is routed, listed or not.
        let other = try #require(h.post(#"{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"calc+file:///etc/x+y"}}"#, session: token).forwardPlan)
        #expect(other.server.name == "calc")
        #expect(other.originalName == "file:///etc/x+y")
    }

    @Test(arguments: ["file:///notes.txt", "nosuch+file:///x", "+x", "calc+"])
    func resourcesReadUnknown(_ uri: String) throws {
        let token = try #require(h.openSession())
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"\#(uri)"}}"#, session: token).localReply)
        #expect(reply.errorCode == -32602)
        #expect(reply.errorMessage == "Unknown resource: \(uri)")
    }

    @Test func resourceOfADownServerNamesTheServer() throws {
        let token = try #require(h.openSession())
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"dead+file:///x"}}"#, session: token).localReply)
        #expect(reply.status == 200)
        #expect(reply.errorCode == -32603)
        #expect(reply.errorMessage?.contains("\"dead\"") == true)
        #expect(reply.json?["error"]?["data"] == ["server": "dead"])
    }

    @Test func promptsGet() throws {
        let token = try #require(h.openSession())
        let body = utf8(#"{"jsonrpc":"2.0","id":4,"method":"prompts/get","params":{"name":"phys_explain","arguments":{"topic":"phys_explain"}}}"#)
        let plan = try #require(h.post(body, head: MCPRequestHead(method: "POST", path: "/mcp", sessionID: token)).forwardPlan)
        #expect(plan.server.name == "phys")
        #expect(plan.rpcMethod == "prompts/get")
        expectSpliced(plan.body, from: body, range: try memberRange(body, "name"), to: #""explain""#)

        let unknown = try #require(h.post(#"{"jsonrpc":"2.0","id":4,"method":"prompts/get","params":{"name":"calc_add"}}"#, session: token).localReply)
        #expect(unknown.errorCode == -32602)
        #expect(unknown.errorMessage == "Unknown prompt: calc_add")
    }

    @Test func completionByPromptReference() throws {
        let token = try #require(h.openSession())
        let body = utf8(#"{"jsonrpc":"2.0","id":5,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"calc_explain"},"argument":{"name":"calc_explain","value":"x"}}}"#)
        let plan = try #require(h.post(body, head: MCPRequestHead(method: "POST", path: "/mcp", sessionID: token)).forwardPlan)
        #expect(plan.server.name == "calc")
        #expect(plan.originalName == "explain")
        expectSpliced(plan.body, from: body, range: try memberRange(body, "name", inRef: true), to: #""explain""#)
        #expect(try tree(plan.body)["params"]?["argument"]?["name"] == "calc_explain")
    }

    @Test func completionByResourceReference() throws {
        let token = try #require(h.openSession())
        let body = utf8(#"{"jsonrpc":"2.0","id":6,"method":"completion/complete","params":{"ref":{"type":"ref/resource","uri":"calc+file:///{path}"},"argument":{"name":"path","value":"no"}}}"#)
        let plan = try #require(h.post(body, head: MCPRequestHead(method: "POST", path: "/mcp", sessionID: token)).forwardPlan)
        #expect(plan.server.name == "calc")
        expectSpliced(plan.body, from: body, range: try memberRange(body, "uri", inRef: true), to: #""file:///{path}""#)
    }

    @Test(arguments: [#"{"argument":{}}"#, #"{"ref":"calc_explain"}"#, #"{"ref":{"type":"ref/prompt","name":"nope_x"}}"#,
                      #"{"ref":{"type":"ref/resource","uri":"nosuch+file:///x"}}"#])
    func completionWithoutAUsableReference(_ params: String) throws {
        let token = try #require(h.openSession())
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":\#(params)}"#, session: token).localReply)
        #expect(reply.errorCode == -32602)
    }

    @Test func catalogOlderThanTheRouterConfig() throws {
        // During a reload the router may already run the new config (phys removed) while a
        // request still holds the old snapshot: the call is refused, not sent to a removed server.
        var newConfig = Fixture.config()
        newConfig.servers.removeAll { $0.name == "phys" }
        let router = MCPRouter(config: newConfig, signer: Fixture.signer, revocations: SessionRevocations(), version: "1",
                               clock: { Fixture.t0 })
        let session = Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "", now: UInt64(Fixture.t0))
        let head = MCPRequestHead(method: "POST", path: "/mcp", sessionID: session.token)
        let body = utf8(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"phys_velocity"}}"#)
        let reply = try #require(router.route(head: head, body: body[...], catalog: h.catalog).localReply)
        #expect(reply.errorCode == -32602)
        #expect(reply.errorMessage == "Unknown server for phys_velocity")
        // Tools of servers still configured keep working.
        let ok = utf8(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calc_add"}}"#)
        #expect(router.route(head: head, body: ok[...], catalog: h.catalog).forwardPlan?.server.name == "calc")
    }

    @Test func slicedBodyWithAnOffsetSplicesCorrectly() throws {
        // The adapter hands the router a slice of a larger buffer.
        let token = try #require(h.openSession())
        let inner = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calc_add"}}"#
        let buffer = utf8("xxxxxxxx" + inner + "yyyy")
        let head = MCPRequestHead(method: "POST", path: "/mcp", sessionID: token)
        let decision = h.router().route(head: head, body: buffer[8..<(8 + inner.utf8.count)], catalog: h.catalog)
        let plan = try #require(decision.forwardPlan)
        #expect(text(plan.body) == #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add"}}"#)
        #expect(plan.header("content-length") == String(plan.body.count))
    }
}
