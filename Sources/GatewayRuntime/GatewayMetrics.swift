import Logging
import MCPGateway
import Observability
import Synchronization
import Upstreams

/// The metric families users scrape from `:9090/metrics`, with names and labels kept stable.
///
/// Series are handles made when something changes (start-up, a new catalog, a scrape), never
/// per request: tool series come from a table rebuilt with the catalog (`catalogChanged`), the
/// fixed label sets (methods, outcomes, reload results) are resolved once here.
package final class GatewayMetrics: Sendable {
    package let registry = MetricsRegistry()
    package static let methods = ["initialize", "notifications", "ping", "server/discover", "tools/list", "tools/call", "prompts/list",
                                  "prompts/get", "resources/list", "resources/templates/list", "resources/read", "completion/complete",
                                  "subscriptions/listen", "logging/setLevel", "GET", "DELETE", "other"]

    /// `mcp_requests_total`'s two series of one method.
    struct RequestSeries: Sendable {
        let ok: Counter
        let error: Counter
    }

    package let toolCalls: CounterFamily
    package let toolDuration: HistogramFamily
    let requests: CounterFamily
    /// By method; `notifications/…` and unknown methods are looked up as "notifications" and "other".
    private let requestSeries: [String: RequestSeries]
    private let notificationRequests: RequestSeries
    private let otherRequests: RequestSeries
    let sessionsActive: Gauge
    package let authDecisions: CounterFamily
    package let rateLimited: CounterFamily
    let upstreamUp: GaugeFamily
    let upstreamStale: GaugeFamily
    let pinFindings: GaugeFamily
    let upstreamTools: GaugeFamily
    let upstreamEra: GaugeFamily
    let catalogRefreshes: CounterFamily
    let catalogRefreshFailures: CounterFamily
    let configReloads: CounterFamily
    let reloadSucceeded: Counter
    let reloadFailed: Counter
    let extProcRequests: CounterFamily
    /// `mcp_extproc_requests_total{handling}`: answered by the gateway, forwarded, sent to the stream endpoint.
    let handledLocally: Counter
    let handledForwarded: Counter
    let handledStream: Counter
    let extAuthzChecks: Counter
    /// The current catalog's tool series, swapped whole (`catalogChanged`); the build lock
    /// serializes rebuilds without holding up readers.
    let toolTable = Mutex(ToolSeriesTable(generation: nil, tools: [:]))
    let toolTableBuild = Mutex<Void>(())
    /// Bounded: past `limits.maxTrackedSessions` sessions are counted, not tracked (see `SessionGauge`).
    let sessions = SessionGauge()
    let sessionsUntracked: Gauge
    /// Tools tracked at most (a catalog beyond it has its first `capacity` tools counted).
    package let capacity = 8192

    package init(version: String) {
        toolCalls = registry.register(CounterFamily("mcp_tool_calls_total", help: "Tool calls by server, tool and outcome.",
                                                    labels: ["server", "tool", "outcome"], maxLabelSets: capacity * ToolOutcome.allCases.count))
        toolDuration = registry.register(HistogramFamily("mcp_tool_call_duration_seconds",
                                                         help: "Time from forwarding a tool call to its response headers.",
                                                         labels: ["server", "tool"],
                                                         bounds: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
                                                         maxLabelSets: capacity))
        requests = registry.register(CounterFamily("mcp_requests_total", help: "MCP requests by JSON-RPC method and outcome.",
                                                   labels: ["method", "outcome"], maxLabelSets: Self.methods.count * 2))
        var byMethod: [String: RequestSeries] = [:]
        for m in Self.methods { byMethod[m] = RequestSeries(ok: requests.handle([m, "ok"]), error: requests.handle([m, "error"])) }
        requestSeries = byMethod
        notificationRequests = byMethod["notifications"]!
        otherRequests = byMethod["other"]!
        sessionsActive = registry.gauge("mcp_sessions_active", help: "Client sessions issued by this replica and not ended or expired "
                                        + "(an upper bound once more than limits.maxTrackedSessions are open).")
        sessionsUntracked = registry.gauge("mcp_sessions_untracked", help: "Sessions in mcp_sessions_active counted past "
                                           + "limits.maxTrackedSessions: they count until expiry even if ended.")
        authDecisions = registry.register(CounterFamily("mcp_auth_decisions_total", help: "Authentication decisions (in ext_proc, or in ext_authz Check) by result and reason.",
                                                        labels: ["result", "reason"], maxLabelSets: 64))
        rateLimited = registry.register(CounterFamily("mcp_rate_limited_total", help: "Tool calls refused by a rate limit, by server.",
                                                      labels: ["server"], maxLabelSets: 1024))
        upstreamUp = registry.register(GaugeFamily("mcp_upstream_up", help: "1 if the MCP server is serving its entries.",
                                                   labels: ["server"], maxLabelSets: 1024))
        upstreamStale = registry.register(GaugeFamily("mcp_upstream_stale", help: "1 while the MCP server is failing and its last good entries are listed, marked stale (catalog.staleSeconds).",
                                                      labels: ["server"], maxLabelSets: 1024))
        pinFindings = registry.register(GaugeFamily("mcp_tool_pin_findings", help: "Tools of a pinned server whose definition drifted from the approved one, or that await approval.",
                                                    labels: ["server", "kind"], maxLabelSets: 2048))
        upstreamTools = registry.register(GaugeFamily("mcp_upstream_tools", help: "Tools each MCP server contributes to the catalog.",
                                                      labels: ["server"], maxLabelSets: 1024))
        upstreamEra = registry.register(GaugeFamily("mcp_upstream_era", help: "1 for each protocol era an MCP server answered discovery in (handshake, 2026-07-28); the gateway bridges the other era's clients.",
                                                    labels: ["server", "era"], maxLabelSets: 2048))
        catalogRefreshes = registry.register(CounterFamily("mcp_catalog_refreshes_total", help: "Successful catalog refreshes per server.",
                                                           labels: ["server"], maxLabelSets: 1024))
        catalogRefreshFailures = registry.register(CounterFamily("mcp_catalog_refresh_failures_total", help: "Failed catalog refreshes per server.",
                                                                 labels: ["server"], maxLabelSets: 1024))
        configReloads = registry.register(CounterFamily("mcp_config_reloads_total", help: "Configuration reloads by result.",
                                                        labels: ["result"], maxLabelSets: 2))
        reloadSucceeded = configReloads.handle(["success"])
        reloadFailed = configReloads.handle(["failure"])
        extProcRequests = registry.register(CounterFamily("mcp_extproc_requests_total", help: "HTTP requests seen by ext_proc, by how they were handled.",
                                                          labels: ["handling"], maxLabelSets: 3))
        handledLocally = extProcRequests.handle(["local"])
        handledForwarded = extProcRequests.handle(["forwarded"])
        handledStream = extProcRequests.handle(["stream"])
        extAuthzChecks = registry.counter("mcp_extauthz_checks_total", help: "Bearer-token checks made (ext_authz Check calls, or ext_proc reviews when authentication runs in ext_proc; the name is kept for dashboards).")

        let buildInfo = registry.register(GaugeFamily("mcp_gateway_build_info", help: "Build information.", labels: ["version"], maxLabelSets: 1))
        buildInfo.handle([version]).set(1)
        let rss = registry.gauge("process_resident_memory_bytes", help: "Resident memory size in bytes.")
        let cpu = registry.counter("process_cpu_seconds_total", help: "Total user and system CPU time in seconds.", scale: 1e-6)
        let fds = registry.gauge("process_open_fds", help: "Number of open file descriptors.")
        let threads = registry.gauge("process_threads", help: "Number of OS threads.")
        let start = registry.gauge("process_start_time_seconds", help: "Start time of the process since the Unix epoch in seconds.")
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

    package func countRequest(method: String, ok: Bool) {
        let series = requestSeries[method] ?? (method.hasPrefix("notifications/") ? notificationRequests : otherRequests)
        (ok ? series.ok : series.error).add()
    }

    func sessionOpened(_ s: ClientSession, ttl: Double) {
        sessions.opened(s, expiry: Double(s.issuedAt) + ttl, now: WallClock.unixSeconds())
    }

    func sessionEnded(_ s: ClientSession) {
        sessions.ended(s)
    }

    /// Per-server gauges and counters read at scrape time from the catalog and the monitors;
    /// servers no longer configured lose their series.
    func watch(store: CatalogStore, monitors: @escaping @Sendable () -> [BackendMonitor]) {
        watchTools(store)
        registry.onCollect { [self] in
            let snapshot = store.snapshot
            let config = store.config
            let names = Set(config.servers.map(\.name))
            for family in [upstreamUp, upstreamStale, upstreamTools, pinFindings, upstreamEra] { family.remove { !names.contains($0[0]) } }
            for family in [catalogRefreshes, catalogRefreshFailures, rateLimited] { family.remove { !names.contains($0[0]) } }
            var toolsPerServer: [String: Int] = [:]
            for tool in snapshot.tools { toolsPerServer[tool.server, default: 0] += 1 }
            for server in config.servers {
                upstreamUp.handle([server.name]).set(snapshot.isUp(server.name) ? 1 : 0)
                upstreamStale.handle([server.name]).set(snapshot.serverStates[server.name]?.name == "stale" ? 1 : 0)
                if server.pin {
                    for kind in [PinFinding.Kind.drifted, .unapproved] {
                        let n = snapshot.pinFindings.lazy.filter { $0.server == server.name && $0.kind == kind }.count
                        pinFindings.handle([server.name, kind.rawValue]).set(n)
                    }
                } else {
                    pinFindings.remove { $0[0] == server.name }
                }
                upstreamTools.handle([server.name]).set(toolsPerServer[server.name] ?? 0)
                if case .up(let found)? = snapshot.serverStates[server.name] {
                    upstreamEra.handle([server.name, "handshake"]).set(found.speaksHandshake ? 1 : 0)
                    upstreamEra.handle([server.name, ProtocolEra.latestModern]).set(found.speaksModern ? 1 : 0)
                }
            }
            for m in monitors() where names.contains(m.server.name) {
                catalogRefreshes.handle([m.server.name]).set(m.events.refreshCount)
                catalogRefreshFailures.handle([m.server.name]).set(m.events.failureCount)
            }
        }
    }
}
