import JSONWire
@testable import MCPGateway
import Testing

/// Virtual servers: a subset of the catalog at its own path, under the global policy and its own.
@Suite struct VirtualServerTests {
    func config(_ virtual: [VirtualServer], policy: AccessPolicy = AccessPolicy()) -> GatewayConfig {
        var c = Fixture.config()
        c.virtualServers = virtual
        c.policy = policy
        return c
    }

    /// A 2026-07-28 request (no session needed) at `path`, as `who`, through the router's grants.
    func modern(_ router: MCPRouter, path: String, _ method: String, params: String = "{}", name: String? = nil,
                who: CallerIdentity? = nil) -> RouteDecision {
        let head = MCPRequestHead(method: "POST", path: path, protocolVersion: "2026-07-28", mcpMethod: method, mcpName: name,
                                  identityDigest: who?.digest ?? "")
        if let early = router.route(head: head) { return early }
        let body = utf8(modernBody(id: "1", method: method, params: params))
        return router.route(head: head, body: body[...], catalog: Fixture.catalog(config: router.config), grants: router.grants(for: who, head: head))
    }

    func toolNames(_ decision: RouteDecision) -> [String] {
        guard case .array(let tools)? = decision.localReply?.result?["tools"] else { return [] }
        return tools.compactMap { $0["name"]?.stringValue }
    }

    let math = VirtualServer(name: "math", path: "/mcp/math", tools: ["calc_add"])

    @Test func listsOnlyItsSubsetAndRefusesTheRest() throws {
        let router = RouterHarness(config: config([math, VirtualServer(name: "phys", path: "/phys", servers: ["phys"])])).router()
        #expect(toolNames(modern(router, path: "/mcp", "tools/list")) == ["calc_add", "calc_divide", "phys_velocity"])
        #expect(toolNames(modern(router, path: "/mcp/math", "tools/list")) == ["calc_add"])
        #expect(toolNames(modern(router, path: "/phys/", "tools/list")) == ["phys_velocity"])
        let call = #"{"name":"calc_add","arguments":{"a":1,"b":2}}"#
        #expect(modern(router, path: "/mcp/math", "tools/call", params: call, name: "calc_add").forwardPlan?.server.name == "calc")
        let outside = try #require(modern(router, path: "/mcp/math", "tools/call", params: #"{"name":"calc_divide","arguments":{}}"#,
                                          name: "calc_divide").localReply)
        #expect(outside.errorCode != nil && outside.errorMessage?.contains("calc_divide") == true)
        // A tool-only selection grants no server's prompts; a server selection does.
        guard case .array(let prompts)? = modern(router, path: "/mcp/math", "prompts/list").localReply?.result?["prompts"] else {
            Issue.record("no prompts list"); return
        }
        #expect(prompts.isEmpty)
        guard case .array(let physPrompts)? = modern(router, path: "/phys", "prompts/list").localReply?.result?["prompts"] else {
            Issue.record("no prompts list"); return
        }
        #expect(physPrompts.count == 1)
        #expect(modern(router, path: "/mcp/other", "tools/list").localReply?.status == 404)
    }

    @Test func theGlobalPolicyAndItsOwnRulesBothApply() {
        let alice = CallerIdentity(subject: "alice", method: "jwt"), bob = CallerIdentity(subject: "bob", method: "jwt")
        let global = AccessPolicy(rules: [AccessPolicy.Rule(subjects: ["alice"], servers: ["calc"]),
                                          AccessPolicy.Rule(subjects: ["bob"], servers: ["*"])])
        var team = VirtualServer(name: "team", path: "/mcp/team", servers: ["calc", "phys"])
        team.policy = AccessPolicy(rules: [AccessPolicy.Rule(subjects: ["*"], tools: ["*_add", "phys_*"])])
        let router = RouterHarness(config: config([team], policy: global)).router()
        #expect(toolNames(modern(router, path: "/mcp/team", "tools/list", who: alice)) == ["calc_add"])
        #expect(toolNames(modern(router, path: "/mcp/team", "tools/list", who: bob)) == ["calc_add", "phys_velocity"])
        #expect(toolNames(modern(router, path: "/mcp", "tools/list", who: alice)) == ["calc_add", "calc_divide"])
        #expect(!router.grants(for: bob, head: MCPRequestHead(method: "POST", path: "/mcp/team")).coversEverything)
        #expect(router.grants(for: nil, head: MCPRequestHead(method: "POST", path: "/mcp")).coversEverything == false)
    }

    let loader = GatewayConfigLoader(readFile: { _ in nil }, environment: { _ in nil })

    @Test func loadedWithADefaultPathAndChecked() throws {
        let c = try loader.parse(utf8(#"{"servers":[{"name":"a","url":"http://a/mcp"}],"virtualServers":[{"name":"lite","tools":["a_x*"]},{"name":"b","path":"/b","servers":["a"],"authorization":{"rules":[{"subjects":["ann"],"tools":["*"]}]}}]}"#))
        #expect(c.virtualServers.map(\.path) == ["/mcp/lite", "/b"])
        #expect(c.virtualServers[1].policy.rules.count == 1)
        for bad in [#"[{"name":"x"}]"#, #"[{"name":"x","path":"/mcp","tools":["*"]}]"#, #"[{"name":"X","tools":["*"]}]"#,
                    #"[{"name":"x","tools":["*"]},{"name":"x","tools":["*"]}]"#, #"[{"name":"x","path":"/y/","tools":["*"]}]"#] {
            #expect(throws: ConfigError.self) {
                try loader.parse(utf8(#"{"servers":[{"name":"a","url":"http://a/mcp"}],"virtualServers":\#(bad)}"#))
            }
        }
    }
}
