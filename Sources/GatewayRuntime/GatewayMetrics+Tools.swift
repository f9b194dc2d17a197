import MCPGateway
import Observability
import Synchronization

/// How a tool call ended, as `mcp_tool_calls_total{outcome}` spells it.
package enum ToolOutcome: Int, CaseIterable, Sendable {
    case ok, error, timeout, unavailable, forbidden, rateLimited

    package var label: String {
        switch self {
        case .ok: "ok"
        case .error: "error"
        case .timeout: "timeout"
        case .unavailable: "unavailable"
        case .forbidden: "forbidden"
        case .rateLimited: "rate_limited"
        }
    }

    /// The outcome a forwarded call's end or a refusal names; nil for anything else
    /// (`unknown_tool`, `tool_changed`: not tool-call outcomes).
    package init?(label: String) {
        switch label {
        case "ok": self = .ok
        case "error": self = .error
        case "timeout": self = .timeout
        case "unavailable": self = .unavailable
        case "forbidden": self = .forbidden
        case "rate_limited": self = .rateLimited
        default: return nil
        }
    }
}

/// One catalog tool's series: a counter per outcome and the duration histogram, made when the
/// tool entered the catalog.
package final class ToolSeries: Sendable {
    package let server: String
    let outcomes: [Counter]
    let duration: Histogram

    init(server: String, tool: String, calls: CounterFamily, duration: HistogramFamily) {
        self.server = server
        outcomes = ToolOutcome.allCases.map { calls.handle([server, tool, $0.label]) }
        self.duration = duration.handle([server, tool])
    }

    func count(_ outcome: ToolOutcome, seconds: Double?) {
        outcomes[outcome.rawValue].add()
        if let seconds { duration.observe(seconds) }
    }
}

/// The tool series of one catalog snapshot, by public tool name (names are unique in a
/// catalog; the server is checked on lookup). Immutable: a catalog change builds the next one.
package final class ToolSeriesTable: Sendable {
    package let generation: UInt64?
    package let tools: [String: ToolSeries]

    init(generation: UInt64?, tools: [String: ToolSeries]) {
        self.generation = generation
        self.tools = tools
    }
}

extension GatewayMetrics {
    /// The series of `tool` on `server` in the current catalog; nil for a name the catalog does
    /// not have (or no longer has): such calls create nothing.
    package func toolSeries(server: String, tool: String) -> ToolSeries? {
        guard let series = toolTable.withLock({ $0 }).tools[tool], series.server == server else { return nil }
        return series
    }

    /// Counts a tool call's end (or refusal) against its catalog entry.
    package func countToolCall(server: String, tool: String, outcome: ToolOutcome, seconds: Double?) {
        toolSeries(server: server, tool: tool)?.count(outcome, seconds: seconds)
    }

    /// A refused call names only the tool (the refusal came before a server was chosen).
    package func countRefusedToolCall(tool: String, outcome: ToolOutcome) {
        toolTable.withLock { $0 }.tools[tool]?.count(outcome, seconds: nil)
    }

    /// Follows the catalog: every callable tool gets its series (kept across rebuilds while the
    /// tool stays, so counts carry on), tools that left lose theirs. Snapshots may arrive out
    /// of order (listeners run outside the store's lock): an older generation is ignored.
    package func catalogChanged(_ snapshot: CatalogSnapshot) {
        toolTableBuild.withLock { _ in
            let current = toolTable.withLock { $0 }
            if let seen = current.generation, snapshot.generation <= seen { return }
            var tools: [String: ToolSeries] = [:]
            for entry in snapshot.callableTools {
                if let kept = current.tools[entry.publicName], kept.server == entry.server {
                    tools[entry.publicName] = kept
                } else if tools.count < capacity {
                    tools[entry.publicName] = ToolSeries(server: entry.server, tool: entry.publicName, calls: toolCalls, duration: toolDuration)
                }
            }
            toolTable.withLock { $0 = ToolSeriesTable(generation: snapshot.generation, tools: tools) }
            // A late update through the previous table lands on a dropped handle: unseen, harmless.
            let gone: ([String]) -> Bool = { tools[$0[1]]?.server != $0[0] }
            toolCalls.remove(where: gone)
            toolDuration.remove(where: gone)
        }
    }

    /// Keeps the tool table in step with `store`.
    package func watchTools(_ store: CatalogStore) {
        store.onChange { [weak self] _, new in self?.catalogChanged(new) }
        catalogChanged(store.snapshot)
    }
}
