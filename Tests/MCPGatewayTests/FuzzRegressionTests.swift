import JSONWire
@testable import MCPGateway
import Testing

/// Inputs the fuzz targets (Fuzz/, `make fuzz`) found crashing the gateway; each must now be
/// answered normally. The same inputs are seeds in Fuzz/corpus/.
@Suite struct FuzzRegressionTests {
    // Fuzz/corpus/jsonrpc/list_huge_cursor_*: a forged list cursor near Int.max trapped on
    // `offset + pageSize` (pre-joined page path) — any client could stop the gateway.
    @Test(arguments: [(500, 9_223_372_036_854_775_500), (3, 9_223_372_036_854_775_806), (1, Int.max)])
    func listCursorNearIntMax(pageSize: Int, offset: Int) throws {
        let h = RouterHarness(config: Fixture.config(pageSize: pageSize))
        let token = try #require(h.openSession())
        let cursor = Base64URL.encode(utf8("t:\(offset)"))
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"\#(cursor)"}}"#,
                                        session: token).localReply)
        #expect(reply.status == 200)
        let result = try #require(reply.result)
        #expect(result["tools"]?.arrayValue?.isEmpty == true)
        #expect(result["nextCursor"] == nil)
    }

    // Fuzz/corpus/config/pagesize_max.json: `catalog.pageSize` Int.max trapped on
    // `start + pageSize` for any cursor past the first entry.
    @Test func pageSizeIntMax() throws {
        let config = try GatewayConfigLoader.fake().parse(utf8(
            #"{"servers":[{"name":"calc","url":"http://calc:8000/mcp"}],"catalog":{"pageSize":9223372036854775807}}"#))
        #expect(config.catalog.pageSize == Int.max)
        let h = RouterHarness(config: Fixture.config(pageSize: Int.max))
        let token = try #require(h.openSession())
        let reply = try #require(h.post(#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"\#(Base64URL.encode(utf8("t:1")))"}}"#,
                                        session: token).localReply)
        let tools = try #require(reply.result?["tools"]?.arrayValue)
        #expect(tools.map { $0["name"]?.stringValue } == ["calc_divide", "phys_velocity"])
    }

    // Fuzz/corpus/config/ratelimit_huge_period.json: a rule of 1 call per 1e300 s (or 1e400 s,
    // which the loader reads as infinity) trapped converting the Retry-After wait to Int on the
    // second call.
    @Test func infiniteNumbersAreRefusedAtLoad() {
        #expect(throws: ConfigError.self) {
            try GatewayConfigLoader.fake().parse(utf8(
                #"{"servers":[{"name":"calc","url":"http://calc:8000/mcp"}],"rateLimits":[{"calls":1,"perSeconds":1e400}]}"#))
        }
        #expect(throws: ConfigError.self) {
            try GatewayConfigLoader.fake().parse(utf8(#"{"servers":[{"name":"calc","url":"http://calc:8000/mcp","timeoutSeconds":1e400}]}"#))
        }
    }

    @Test(arguments: ["1e300", "1e19"])
    func rateLimitWithHugePeriod(_ period: String) throws {
        let config = try GatewayConfigLoader.fake().parse(utf8(
            #"{"servers":[{"name":"calc","url":"http://calc:8000/mcp"}],"rateLimits":[{"calls":1,"perSeconds":\#(period)}]}"#))
        let limiter = RateLimiter(rules: config.rateLimits)
        #expect(limiter.check(caller: "a", server: "calc", tool: "calc_add", now: 1000) == .allowed)
        guard case .limited(let retry, let limit, _) = limiter.check(caller: "a", server: "calc", tool: "calc_add", now: 1001) else {
            Issue.record("second call within the period was allowed")
            return
        }
        #expect(limit == 1)
        #expect(retry >= 1 && retry <= 1_000_000_000)
    }

    // Fuzz target `jsonrpc` (byte-identical public name property): catalog lookups went through
    // String ==, i.e. canonical equivalence, so "calc_\u{212A}elvin" (KELVIN SIGN) called the tool
    // "calc_Kelvin" while audit and rate-limit globs saw the other spelling.
    @Test func toolAndPromptNamesMatchByteForByte() throws {
        let calc = DiscoveredServer(name: "calc", tools: [["name": "Kelvin", "inputSchema": ["type": "object"]]],
                                    prompts: [["name": "Kprompt"]], speaksHandshake: true, speaksModern: true)
        let config = Fixture.config()
        let catalog = CatalogSnapshot(generation: 1, config: config, states: ["calc": .up(calc)])
        #expect(catalog.tool(named: "calc_Kelvin")?.originalName == "Kelvin")
        #expect(catalog.tool(named: "calc_\u{212A}elvin") == nil)
        #expect(catalog.prompt(named: "calc_Kprompt") != nil)
        #expect(catalog.prompt(named: "calc_\u{212A}prompt") == nil)

        let router = MCPRouter(config: config, signer: Fixture.signer, revocations: SessionRevocations(), version: "t",
                               clock: { Fixture.t0 })
        let alias = "calc_\u{212A}elvin"
        let head = MCPRequestHead(method: "POST", path: "/mcp", protocolVersion: "2026-07-28", mcpMethod: "tools/call",
                                  mcpName: MCPHeaderValue.encode(alias))
        let body = utf8(modernBody(method: "tools/call", params: #"{"name":"calc_\u212Aelvin","arguments":{}}"#))
        let decision = router.route(head: head, body: body[...], catalog: catalog)
        #expect(decision.forwardPlan == nil)
        #expect(decision.localReply?.refusal == "unknown_tool")
        // The exact spelling is forwarded.
        let exact = MCPRequestHead(method: "POST", path: "/mcp", protocolVersion: "2026-07-28", mcpMethod: "tools/call",
                                   mcpName: "calc_Kelvin")
        let good = utf8(modernBody(method: "tools/call", params: #"{"name":"calc_Kelvin","arguments":{}}"#))
        #expect(router.route(head: exact, body: good[...], catalog: catalog).forwardPlan?.originalName == "Kelvin")
    }
}
