import GatewayRuntime
import JSONWire
import MCPGateway
import Testing

/// Tool series follow the catalog: made when a tool enters it, kept while it stays, gone when
/// it leaves; names the catalog does not have create nothing. Series that exist can move.
@Suite struct GatewayMetricsTests {
    /// Sample lines of one metric name, by their label text (`{…}`, or "" without labels).
    func series(_ text: String, _ name: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            let rest = line.dropFirst(name.count)
            let space = rest.lastIndex(of: " ")!
            out[String(rest[..<space])] = String(rest[rest.index(after: space)...])
        }
        return out
    }

    func tools(_ names: String...) -> ServerState {
        .up(DiscoveredServer(name: "calc", tools: names.map { ["name": .string($0), "inputSchema": ["type": "object"]] }))
    }

    func store(hidden: String? = nil) -> CatalogStore {
        var calc = ServerConfig(name: "calc", url: "http://calc:8000/mcp")
        if let hidden { calc.toolOverrides = [hidden: ToolOverride(hidden: true)] }
        return CatalogStore(config: GatewayConfig(servers: [calc, ServerConfig(name: "other", url: "http://other:8000/mcp")]))
    }

    func call(_ tool: String, server: String = "calc") -> ForwardRecord {
        ForwardRecord(server: server, rpcMethod: "tools/call", tool: tool)
    }

    func governance(_ metrics: GatewayMetrics) throws -> Governance {
        Governance(metrics: metrics, audit: try AuditTrail(config: AuditConfig(destination: "off")), sessionTTL: 60)
    }

    @Test func toolsGetSeriesWhenTheyEnterTheCatalogAndLoseThemWhenTheyLeave() throws {
        let metrics = GatewayMetrics(version: "t")
        let store = store()
        metrics.watchTools(store)
        #expect(metrics.toolCalls.count == 0 && metrics.toolDuration.count == 0)  // an empty catalog tracks nothing

        store.update(server: "calc", to: tools("add", "sub"))
        #expect(metrics.toolCalls.count == 2 * 6 && metrics.toolDuration.count == 2)
        var text = metrics.registry.render()
        #expect(series(text, "mcp_tool_calls_total")[#"{server="calc",tool="calc_sub",outcome="forbidden"}"#] == "0")
        let g = try governance(metrics)
        g.forwarded(call("calc_add"), caller: nil, requestID: nil, status: 200, outcome: "ok", seconds: 0.02)
        g.forwarded(call("calc_sub"), caller: nil, requestID: nil, status: 504, outcome: "timeout", seconds: 30)

        // calc_sub leaves; calc_add stays with its counts; calc_mul arrives at zero.
        store.update(server: "calc", to: tools("add", "mul"))
        #expect(metrics.toolCalls.count == 2 * 6 && metrics.toolDuration.count == 2)
        text = metrics.registry.render()
        let calls = series(text, "mcp_tool_calls_total")
        #expect(calls[#"{server="calc",tool="calc_add",outcome="ok"}"#] == "1")
        #expect(calls[#"{server="calc",tool="calc_mul",outcome="ok"}"#] == "0")
        #expect(!text.contains("calc_sub"))
        #expect(series(text, "mcp_tool_call_duration_seconds_count")[#"{server="calc",tool="calc_add"}"#] == "1")

        // The server goes down: its tools leave the catalog, and so do their series.
        store.update(server: "calc", to: .down(reason: "gone"))
        #expect(metrics.toolCalls.count == 0 && metrics.toolDuration.count == 0)
        #expect(!metrics.registry.render().contains("tool=\""))
    }

    @Test func namesTheCatalogDoesNotHaveCreateNothing() throws {
        let metrics = GatewayMetrics(version: "t")
        let store = store()
        metrics.watchTools(store)
        store.update(server: "calc", to: tools("add"))
        let g = try governance(metrics)
        let before = metrics.registry.render()
        g.forwarded(call("calc_invented"), caller: nil, requestID: nil, status: 200, outcome: "ok", seconds: 0.01)
        g.forwarded(call("calc_add", server: "other"), caller: nil, requestID: nil, status: 200, outcome: "ok", seconds: 0.01)  // wrong server
        g.forwarded(call("calc_add"), caller: nil, requestID: nil, status: 200, outcome: "made-up-outcome", seconds: 0.01)
        var refused = LocalReply(status: 200, body: [])
        refused.rpcMethod = "tools/call"
        refused.refusedTool = "calc_invented"
        refused.refusal = "unknown_tool"
        g.answeredLocally(refused, caller: nil, session: nil, requestID: nil)
        let after = metrics.registry.render()
        #expect(series(after, "mcp_tool_calls_total") == series(before, "mcp_tool_calls_total"))
        #expect(series(after, "mcp_tool_call_duration_seconds_count") == series(before, "mcp_tool_call_duration_seconds_count"))
        #expect(!after.contains("calc_invented") && !after.contains("made-up-outcome"))
        #expect(metrics.toolSeries(server: "calc", tool: "calc_add") != nil)
        #expect(metrics.toolSeries(server: "other", tool: "calc_add") == nil)
    }

    @Test func hiddenToolsAreCallableSoTheyAreCounted() {
        let metrics = GatewayMetrics(version: "t")
        let store = store(hidden: "old")
        metrics.watchTools(store)
        store.update(server: "calc", to: tools("add", "old"))
        #expect(store.snapshot.tools.map(\.publicName) == ["calc_add"])
        #expect(metrics.toolSeries(server: "calc", tool: "calc_old") != nil)
        #expect(metrics.toolDuration.count == 2)
    }

    @Test func anOlderSnapshotArrivingLateIsIgnored() {
        let metrics = GatewayMetrics(version: "t")
        let config = GatewayConfig(servers: [ServerConfig(name: "calc", url: "http://calc:8000/mcp")])
        let newer = CatalogSnapshot(generation: 5, config: config, states: ["calc": tools("add")])
        let older = CatalogSnapshot(generation: 4, config: config, states: ["calc": tools("sub")])
        metrics.catalogChanged(newer)
        metrics.catalogChanged(older)
        #expect(metrics.toolSeries(server: "calc", tool: "calc_add") != nil)
        #expect(metrics.toolSeries(server: "calc", tool: "calc_sub") == nil)
        #expect(metrics.toolDuration.count == 1)
    }

    @Test func refusedCallsCountAsForbiddenOrUnavailable() throws {
        let metrics = GatewayMetrics(version: "t")
        let store = store()
        metrics.watchTools(store)
        store.update(server: "calc", to: tools("add"))
        let g = try governance(metrics)
        for why in ["forbidden", "forbidden", "unavailable", "tool_changed"] {
            var refused = LocalReply(status: 200, body: [])
            refused.rpcMethod = "tools/call"
            refused.refusedTool = "calc_add"
            refused.refusal = why
            g.answeredLocally(refused, caller: nil, session: nil, requestID: nil)
        }
        let text = metrics.registry.render()
        let calls = series(text, "mcp_tool_calls_total")
        #expect(calls[#"{server="calc",tool="calc_add",outcome="forbidden"}"#] == "2")
        #expect(calls[#"{server="calc",tool="calc_add",outcome="unavailable"}"#] == "1")
        #expect(series(text, "mcp_tool_call_duration_seconds_count")[#"{server="calc",tool="calc_add"}"#] == "0")  // refusals take no time
        #expect(series(text, "mcp_requests_total")[#"{method="tools/call",outcome="error"}"#] == "4")
        #expect(series(text, "mcp_extproc_requests_total")[#"{handling="local"}"#] == "4")
    }

    @Test func streamsAndSessionEndsAreCountedUnderTheirMethods() throws {
        let metrics = GatewayMetrics(version: "t")
        let g = try governance(metrics)
        let signer = SessionSigner(secret: Array("gateway-metrics-test-secret-0123456789".utf8), ttlSeconds: 60)
        let session = signer.issue(protocolVersion: "2025-11-25", identityDigest: "", now: 1)
        g.streaming(StreamPlan(session: session, era: .handshake))
        g.streaming(StreamPlan(session: nil, era: .modern))
        var deleted = LocalReply(status: 200, body: [], endedSession: session)
        deleted.rpcMethod = "DELETE"
        g.answeredLocally(deleted, caller: nil, session: session, requestID: nil)
        let text = metrics.registry.render()
        let requests = series(text, "mcp_requests_total")
        #expect(requests[#"{method="GET",outcome="ok"}"#] == "1")
        #expect(requests[#"{method="subscriptions/listen",outcome="ok"}"#] == "1")
        #expect(requests[#"{method="DELETE",outcome="ok"}"#] == "1")
        #expect(requests[#"{method="other",outcome="ok"}"#] == "0")
        #expect(series(text, "mcp_extproc_requests_total") == [#"{handling="local"}"#: "1", #"{handling="forwarded"}"#: "0", #"{handling="stream"}"#: "2"])
    }

    @Test func requestMethodsAndAuthDecisionsUseHandlesResolvedOnce() throws {
        let metrics = GatewayMetrics(version: "t")
        let g = try governance(metrics)
        metrics.countRequest(method: "tools/list", ok: true)
        metrics.countRequest(method: "notifications/cancelled", ok: true)
        metrics.countRequest(method: "made/up/by/a/client", ok: false)
        g.decided(result: "deny", reason: "expired")
        g.decided(result: "deny", reason: "attacker-chosen-text")
        g.decided(result: "nonsense", reason: "x")
        let text = metrics.registry.render()
        let requests = series(text, "mcp_requests_total")
        #expect(requests.count == GatewayMetrics.methods.count * 2)
        #expect(requests[#"{method="tools/list",outcome="ok"}"#] == "1")
        #expect(requests[#"{method="notifications",outcome="ok"}"#] == "1")
        #expect(requests[#"{method="other",outcome="error"}"#] == "1")
        let decisions = series(text, "mcp_auth_decisions_total")
        #expect(decisions[#"{result="deny",reason="expired"}"#] == "1")
        #expect(decisions[#"{result="deny",reason="other"}"#] == "1")
        #expect(!text.contains("attacker-chosen-text") && !text.contains("nonsense"))
        #expect(series(text, "mcp_extauthz_checks_total")[""] == "3")
    }
}
