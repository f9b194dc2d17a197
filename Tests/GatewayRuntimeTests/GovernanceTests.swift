import Foundation
import GatewayRuntime
import JSONWire
import MCPGateway
import Testing

/// The audit trail's line schema and the metric families, through the observer hooks the
/// processor and ext_authz call.
@Suite struct GovernanceTests {
    static let auditFields: Set<String> = ["ts", "event", "request_id", "caller", "service_account", "session", "server", "tool",
                                           "outcome", "status", "duration_ms"]

    func governance(_ dir: TemporaryDirectory, argumentNames: Bool = false) throws -> (Governance, GatewayMetrics) {
        let metrics = GatewayMetrics(version: "9.9.9-test")
        let audit = try AuditTrail(config: AuditConfig(destination: dir.file("audit.log"), includeArgumentNames: argumentNames))
        return (Governance(metrics: metrics, audit: audit, sessionTTL: 3600), metrics)
    }

    func auditLines(_ dir: TemporaryDirectory) throws -> [JSONValue] {
        try (dir.read("audit.log") ?? "").split(separator: "\n").map { try JSONValue(parsing: Array($0.utf8)) }
    }

    /// A catalog in which server "calc" has the tool `calc_add`, so its series exist.
    static func catalog(tools: [String], server: String = "calc") -> CatalogSnapshot {
        let config = GatewayConfig(servers: [ServerConfig(name: server, url: "http://\(server):8000/mcp")])
        return CatalogSnapshot(generation: 1, config: config, states: [server: .up(DiscoveredServer(
            name: server, tools: tools.map { ["name": .string($0), "inputSchema": ["type": "object"]] }))])
    }

    func toolCall(metrics: GatewayMetrics, arguments: [String] = ["expression", "variable"]) -> ForwardRecord {
        metrics.catalogChanged(Self.catalog(tools: ["add"]))
        return ForwardRecord(server: "calc", rpcMethod: "tools/call", tool: "calc_add",
                             clientSession: "SECRET-CLIENT-SESSION-TOKEN", sessionRef: "ref-1234", backendSession: "SECRET-BACKEND-SESSION",
                             rawID: "7", argumentNames: arguments)
    }

    @Test func aToolCallIsOneAuditLineWithTheDocumentedFieldsAndNoSecrets() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (governance, metrics) = try governance(dir)
        let caller = CallerIdentity(subject: "alice@example.com", groups: ["admins"], serviceAccount: "ns/agent", method: "jwt")
        governance.forwarded(toolCall(metrics: metrics), caller: caller, requestID: "req-1", status: 200, outcome: "ok", seconds: 0.0123456)

        let lines = try auditLines(dir)
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(Set(line.objectValue?.map(\.key) ?? []) == Self.auditFields)
        #expect(line["event"] == "tool_call")
        #expect(line["caller"] == "alice@example.com")
        #expect(line["service_account"] == "ns/agent")
        #expect(line["session"] == "ref-1234")
        #expect(line["server"] == "calc")
        #expect(line["tool"] == "calc_add")
        #expect(line["outcome"] == "ok")
        #expect(line["status"]?.numberText == "200")
        #expect(line["duration_ms"]?.numberText == "12.346")
        #expect(line["request_id"] == "req-1")
        let text = try #require(dir.read("audit.log"))
        #expect(!text.contains("SECRET"))
    }

    @Test func argumentNamesAppearOnlyWhenConfiguredAndNeverTheirValues() throws {
        for configured in [false, true] {
            let dir = TemporaryDirectory()
            defer { dir.remove() }
            let (governance, metrics) = try governance(dir, argumentNames: configured)
            governance.forwarded(toolCall(metrics: metrics, arguments: ["x", "we\"ird"]), caller: nil, requestID: nil, status: 200,
                                 outcome: "error", seconds: 1)
            let line = try #require(try auditLines(dir).first)
            #expect(line["caller"] == "anonymous")
            #expect(line["service_account"] == nil)
            if configured {
                #expect(line["argument_names"] == ["x", "we\"ird"])
            } else {
                #expect(line["argument_names"] == nil)
            }
        }
    }

    @Test func onlyToolCallsAreAudited() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (governance, _) = try governance(dir)
        governance.forwarded(ForwardRecord(server: "calc", rpcMethod: "resources/read"), caller: nil, requestID: nil, status: 200,
                             outcome: "ok", seconds: 0.1)
        #expect(try auditLines(dir).isEmpty)
    }

    @Test func anAuditDestinationThatCannotBeOpenedIsAConfigError() {
        #expect(throws: ConfigError.self) { try AuditTrail(config: AuditConfig(destination: "/nonexistent-dir/audit.log")) }
    }

    @Test func toolCallsAreCountedPerServerToolAndOutcomeWithADuration() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (governance, metrics) = try governance(dir)
        let record = toolCall(metrics: metrics)
        governance.forwarded(record, caller: nil, requestID: nil, status: 200, outcome: "ok", seconds: 0.003)
        governance.forwarded(record, caller: nil, requestID: nil, status: 200, outcome: "ok", seconds: 0.2)
        governance.forwarded(record, caller: nil, requestID: nil, status: 504, outcome: "timeout", seconds: 30)

        let text = metrics.registry.render()
        let calls = series(text, "mcp_tool_calls_total")
        #expect(calls[#"{server="calc",tool="calc_add",outcome="ok"}"#] == "2")
        #expect(calls[#"{server="calc",tool="calc_add",outcome="timeout"}"#] == "1")
        #expect(calls[#"{server="calc",tool="calc_add",outcome="rate_limited"}"#] == "0")
        #expect(series(text, "mcp_tool_call_duration_seconds_count")[#"{server="calc",tool="calc_add"}"#] == "3")
        #expect(series(text, "mcp_tool_call_duration_seconds_bucket")[#"{server="calc",tool="calc_add",le="0.005"}"#] == "1")
        #expect(series(text, "mcp_requests_total")[#"{method="tools/call",outcome="ok"}"#] == "2")
        #expect(series(text, "mcp_requests_total")[#"{method="tools/call",outcome="error"}"#] == "1")
    }

    @Test func requestMethodsAreBoundedToTheKnownSet() {
        let metrics = GatewayMetrics(version: "t")
        metrics.countRequest(method: "notifications/cancelled", ok: true)
        metrics.countRequest(method: "made/up/by/a/client", ok: false)
        let requests = series(metrics.registry.render(), "mcp_requests_total")
        #expect(requests[#"{method="notifications",outcome="ok"}"#] == "1")
        #expect(requests[#"{method="other",outcome="error"}"#] == "1")
        #expect(requests.count == GatewayMetrics.methods.count * 2)
        #expect(!requests.keys.contains { $0.contains("made/up") })
    }

    @Test func authDecisionsMapUnknownReasonsToOther() throws {
        let metrics = GatewayMetrics(version: "t")
        let governance = Governance(metrics: metrics, audit: try AuditTrail(config: AuditConfig(destination: "off")), sessionTTL: 60)
        governance.decided(result: "deny", reason: "expired")
        governance.decided(result: "deny", reason: "attacker-chosen-text")
        governance.decided(result: "allow", reason: "jwt")
        let text = metrics.registry.render()
        let decisions = series(text, "mcp_auth_decisions_total")
        #expect(decisions[#"{result="deny",reason="expired"}"#] == "1")
        #expect(decisions[#"{result="deny",reason="other"}"#] == "1")
        #expect(decisions[#"{result="allow",reason="jwt"}"#] == "1")
        #expect(!text.contains("attacker-chosen-text"))
        #expect(series(text, "mcp_extauthz_checks_total")[""] == "3")
    }
}

/// The metric names, kinds and label names users scrape: renaming one breaks dashboards.
@Suite struct MetricSchemaTests {
    static let families: [(name: String, type: String, labels: [String])] = [
        ("mcp_tool_calls_total", "counter", ["server", "tool", "outcome"]),
        ("mcp_tool_call_duration_seconds", "histogram", ["server", "tool"]),
        ("mcp_requests_total", "counter", ["method", "outcome"]),
        ("mcp_sessions_active", "gauge", []),
        ("mcp_sessions_untracked", "gauge", []),
        ("mcp_auth_decisions_total", "counter", ["result", "reason"]),
        ("mcp_rate_limited_total", "counter", ["server"]),
        ("mcp_upstream_up", "gauge", ["server"]),
        ("mcp_upstream_stale", "gauge", ["server"]),
        ("mcp_tool_pin_findings", "gauge", ["server", "kind"]),
        ("mcp_upstream_tools", "gauge", ["server"]),
        ("mcp_upstream_era", "gauge", ["server", "era"]),
        ("mcp_catalog_refreshes_total", "counter", ["server"]),
        ("mcp_catalog_refresh_failures_total", "counter", ["server"]),
        ("mcp_config_reloads_total", "counter", ["result"]),
        ("mcp_extproc_requests_total", "counter", ["handling"]),
        ("mcp_extauthz_checks_total", "counter", []),
        ("mcp_gateway_build_info", "gauge", ["version"]),
        ("process_resident_memory_bytes", "gauge", []),
        ("process_cpu_seconds_total", "counter", []),
        ("process_open_fds", "gauge", []),
        ("process_threads", "gauge", []),
        ("process_start_time_seconds", "gauge", []),
    ]

    static let perServer: Set = ["mcp_upstream_up", "mcp_upstream_stale", "mcp_tool_pin_findings", "mcp_upstream_tools", "mcp_upstream_era",
                                 "mcp_catalog_refreshes_total", "mcp_catalog_refresh_failures_total"]

    @Test func everyFamilyHasHelpAndTypeAndItsLabels() {
        let metrics = GatewayMetrics(version: "1.2.3")
        metrics.catalogChanged(GovernanceTests.catalog(tools: ["t"], server: "s"))
        metrics.countToolCall(server: "s", tool: "s_t", outcome: .ok, seconds: 0.01)
        metrics.rateLimited.handle(["s"]).add()
        metrics.authDecisions.handle(["allow", "jwt"]).add()
        let text = metrics.registry.render()
        let lines = text.split(separator: "\n").map(String.init)
        for f in Self.families {
            #expect(lines.contains { $0.hasPrefix("# HELP \(f.name) ") && $0.count > "# HELP \(f.name) ".count }, "\(f.name) HELP")
            #expect(lines.contains("# TYPE \(f.name) \(f.type)"), "\(f.name) TYPE")
            let sample = f.type == "histogram" ? f.name + "_count" : f.name
            let found = series(text, sample)
            // Per-server families get their series when a catalog is watched (a federation runs).
            #expect(!found.isEmpty || Self.perServer.contains(f.name), "\(f.name) has no series")
            for labels in found.keys {
                let names = labels.isEmpty ? [] : labels.dropFirst().dropLast().split(separator: ",").map { String($0.prefix { $0 != "=" }) }
                #expect(names == f.labels, "\(f.name) labels \(labels)")
            }
        }
        #expect(series(text, "mcp_gateway_build_info")[#"{version="1.2.3"}"#] == "1")
        // Both reload results exist from the start, so a rate() over them works before the first reload.
        #expect(series(text, "mcp_config_reloads_total") == [#"{result="success"}"#: "0", #"{result="failure"}"#: "0"])
    }

    @Test func toolSeriesFollowTheCatalogInsteadOfGrowingWithoutBound() {
        let metrics = GatewayMetrics(version: "t")
        metrics.catalogChanged(GovernanceTests.catalog(tools: (0..<50).map { "tool\($0)" }, server: "s"))
        #expect(metrics.toolDuration.count == 50)
        // Names the catalog does not have are dropped, not a crash and not a new series.
        metrics.countToolCall(server: "s", tool: "s_invented", outcome: .ok, seconds: 1)
        metrics.countToolCall(server: "other", tool: "s_tool0", outcome: .ok, seconds: 1)
        #expect(metrics.toolDuration.count == 50)
        #expect(metrics.toolSeries(server: "s", tool: "s_invented") == nil)
    }
}
