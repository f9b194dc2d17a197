import Logging
import MCPGateway
import Observability
import Synchronization
import Upstreams

/// The metric families users scrape from `:9090/metrics`, with names and labels kept stable.
final class GatewayMetrics: Sendable {
    let registry = MetricsRegistry()
    static let toolOutcomes = ["ok", "error", "timeout", "unavailable", "forbidden", "rate_limited"]
    static let methods = ["initialize", "notifications", "ping", "server/discover", "tools/list", "tools/call", "prompts/list",
                          "prompts/get", "resources/list", "resources/templates/list", "resources/read", "completion/complete",
                          "subscriptions/listen", "logging/setLevel", "GET", "DELETE", "other"]
    static let requestOutcomes = ["ok", "error"]

    let toolCalls: MetricFamily
    let toolDuration: HistogramFamily
    let requests: MetricFamily
    let sessionsActive: MetricFamily
    let authDecisions: MetricFamily
    let rateLimited: MetricFamily
    let upstreamUp: MetricFamily
    let upstreamStale: MetricFamily
    let pinFindings: MetricFamily
    let upstreamTools: MetricFamily
    let upstreamEra: MetricFamily
    let catalogRefreshes: MetricFamily
    let catalogRefreshFailures: MetricFamily
    let configReloads: MetricFamily
    let extProcStreams: MetricFamily
    let extAuthzChecks: MetricFamily
    private let toolKeys = Mutex<[String: Int]>([:])
    /// Bounded: past `limits.maxTrackedSessions` sessions are counted, not tracked (see `SessionGauge`).
    let sessions = SessionGauge()
    let sessionsUntracked: MetricFamily
    let capacity = 8192

    init(version: String) {
        toolCalls = registry.register(MetricFamily("mcp_tool_calls_total", help: "Tool calls by server, tool and outcome.",
                                                   labels: ["server", "tool", "outcome"], capacity: capacity * Self.toolOutcomes.count))
        toolDuration = registry.register(HistogramFamily("mcp_tool_call_duration_seconds",
                                                         help: "Time from forwarding a tool call to its response headers.",
                                                         labels: ["server", "tool"],
                                                         bounds: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
                                                         capacity: capacity))
        requests = registry.register(MetricFamily("mcp_requests_total", help: "MCP requests by JSON-RPC method and outcome.",
                                                  labels: ["method", "outcome"], capacity: Self.methods.count * 2))
        sessionsActive = registry.register(MetricFamily("mcp_sessions_active", help: "Client sessions issued by this replica and not ended or expired "
                                                        + "(an upper bound once more than limits.maxTrackedSessions are open).", kind: .gauge))
        sessionsUntracked = registry.register(MetricFamily("mcp_sessions_untracked", help: "Sessions in mcp_sessions_active counted past "
                                                           + "limits.maxTrackedSessions: they count until expiry even if ended.", kind: .gauge))
        authDecisions = registry.register(MetricFamily("mcp_auth_decisions_total", help: "ext_authz decisions by result and reason.",
                                                       labels: ["result", "reason"], capacity: 64))
        rateLimited = registry.register(MetricFamily("mcp_rate_limited_total", help: "Tool calls refused by a rate limit, by server.",
                                                     labels: ["server"], capacity: 1024))
        upstreamUp = registry.register(MetricFamily("mcp_upstream_up", help: "1 if the MCP server is serving its entries.", kind: .gauge,
                                                    labels: ["server"], capacity: 1024))
        upstreamStale = registry.register(MetricFamily("mcp_upstream_stale", help: "1 while the MCP server is failing and its last good entries are listed, marked stale (catalog.staleSeconds).",
                                                       kind: .gauge, labels: ["server"], capacity: 1024))
        pinFindings = registry.register(MetricFamily("mcp_tool_pin_findings", help: "Tools of a pinned server whose definition drifted from the approved one, or that await approval.",
                                                     kind: .gauge, labels: ["server", "kind"], capacity: 2048))
        upstreamTools = registry.register(MetricFamily("mcp_upstream_tools", help: "Tools each MCP server contributes to the catalog.",
                                                       kind: .gauge, labels: ["server"], capacity: 1024))
        upstreamEra = registry.register(MetricFamily("mcp_upstream_era", help: "1 for each protocol era an MCP server answered discovery in (handshake, 2026-07-28); the gateway bridges the other era's clients.",
                                                     kind: .gauge, labels: ["server", "era"], capacity: 2048))
        catalogRefreshes = registry.register(MetricFamily("mcp_catalog_refreshes_total", help: "Successful catalog refreshes per server.",
                                                          labels: ["server"], capacity: 1024))
        catalogRefreshFailures = registry.register(MetricFamily("mcp_catalog_refresh_failures_total", help: "Failed catalog refreshes per server.",
                                                                labels: ["server"], capacity: 1024))
        configReloads = registry.register(MetricFamily("mcp_config_reloads_total", help: "Configuration reloads by result.",
                                                       labels: ["result"], capacity: 4))
        extProcStreams = registry.register(MetricFamily("mcp_extproc_requests_total", help: "HTTP requests seen by ext_proc, by how they were handled.",
                                                        labels: ["handling"], capacity: 8))
        extAuthzChecks = registry.register(MetricFamily("mcp_extauthz_checks_total", help: "ext_authz Check calls.", capacity: 1))
        for m in Self.methods { for o in Self.requestOutcomes { _ = requests.slot([m, o]) } }
        for r in ["success", "failure"] { _ = configReloads.slot([r]) }
        for h in ["local", "forwarded", "stream"] { _ = extProcStreams.slot([h]) }

        let buildInfo = registry.register(MetricFamily("mcp_gateway_build_info", help: "Build information.", kind: .gauge, labels: ["version"], capacity: 1))
        buildInfo.set(1, slot: buildInfo.slot([version]))
        let rss = registry.register(MetricFamily("process_resident_memory_bytes", help: "Resident memory size in bytes.", kind: .gauge))
        let cpu = registry.register(MetricFamily("process_cpu_seconds_total", help: "Total user and system CPU time in seconds.", scale: 1e-6))
        let fds = registry.register(MetricFamily("process_open_fds", help: "Number of open file descriptors.", kind: .gauge))
        let threads = registry.register(MetricFamily("process_threads", help: "Number of OS threads.", kind: .gauge))
        let start = registry.register(MetricFamily("process_start_time_seconds", help: "Start time of the process since the Unix epoch in seconds.", kind: .gauge))
        start.set(Int(WallClock.unixSeconds()))
        registry.onCollect { [unowned self] in
            rss.set(ProcessStats.residentBytes())
            cpu.set(Int(ProcessStats.cpuSeconds() * 1e6))
            fds.set(ProcessStats.openFDs())
            threads.set(ProcessStats.threads())
            let count = self.sessions.count(now: WallClock.unixSeconds())
            self.sessionsActive.set(count.active)
            self.sessionsUntracked.set(count.untracked)
        }
    }

    /// The catalog's slot assigner: tool k owns counter slots k*outcomes … and histogram slot k.
    /// Registration happens only here, serialized, so the arithmetic holds.
    var slotAssigner: MetricsSlotAssigner {
        { [self] server, tool in
            toolKeys.withLock { keys in
                let key = "\(server)\u{0}\(tool)"
                if let k = keys[key] { return k }
                let k = keys.count
                guard k < capacity else { return -1 }
                keys[key] = k
                for o in Self.toolOutcomes { _ = toolCalls.slot([server, tool, o]) }
                _ = toolDuration.slot([server, tool])
                return k
            }
        }
    }

    func countToolCall(slot k: Int, outcome: String, seconds: Double?) {
        guard k >= 0, let o = Self.toolOutcomes.firstIndex(of: outcome) else { return }
        toolCalls.add(slot: k * Self.toolOutcomes.count + o)
        if let seconds { toolDuration.observe(seconds, slot: k) }
    }

    func countRequest(method: String, ok: Bool) {
        let m = Self.methods.firstIndex(of: method.hasPrefix("notifications/") ? "notifications" : method) ?? Self.methods.count - 1
        requests.add(slot: m * 2 + (ok ? 0 : 1))
    }

    func sessionOpened(_ s: ClientSession, ttl: Double) {
        sessions.opened(s, expiry: Double(s.issuedAt) + ttl, now: WallClock.unixSeconds())
    }

    func sessionEnded(_ s: ClientSession) {
        sessions.ended(s)
    }

    /// Per-server gauges and counters read at scrape time from the catalog and the monitors.
    func watch(store: CatalogStore, monitors: @escaping @Sendable () -> [BackendMonitor]) {
        registry.onCollect { [self] in
            let snapshot = store.snapshot
            for server in store.config.servers {
                let up = snapshot.isUp(server.name)
                upstreamUp.set(up ? 1 : 0, slot: upstreamUp.slot([server.name]))
                let stale = snapshot.serverStates[server.name]?.name == "stale"
                upstreamStale.set(stale ? 1 : 0, slot: upstreamStale.slot([server.name]))
                if server.pin {
                    for kind in [PinFinding.Kind.drifted, .unapproved] {
                        let n = snapshot.pinFindings.lazy.filter { $0.server == server.name && $0.kind == kind }.count
                        pinFindings.set(n, slot: pinFindings.slot([server.name, kind.rawValue]))
                    }
                }
                upstreamTools.set(snapshot.tools.filter { $0.server == server.name }.count, slot: upstreamTools.slot([server.name]))
                if case .up(let found)? = snapshot.serverStates[server.name] {
                    upstreamEra.set(found.speaksHandshake ? 1 : 0, slot: upstreamEra.slot([server.name, "handshake"]))
                    upstreamEra.set(found.speaksModern ? 1 : 0, slot: upstreamEra.slot([server.name, ProtocolEra.latestModern]))
                }
            }
            for m in monitors() {
                catalogRefreshes.set(m.events.refreshCount, slot: catalogRefreshes.slot([m.server.name]))
                catalogRefreshFailures.set(m.events.failureCount, slot: catalogRefreshFailures.slot([m.server.name]))
            }
        }
    }
}
