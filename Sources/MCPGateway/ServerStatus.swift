import JSONWire

/// What a server's refresh loop last saw of it, kept by its monitor.
public struct ServerHealth: Sendable, Equatable {
    /// Unix seconds of the last successful refresh, and of the last failed one.
    public var lastSuccess: Double?
    public var lastFailure: Double?
    /// The last failure, as the monitor logged it.
    public var lastError: String?
    public var consecutiveFailures = 0

    public init(lastSuccess: Double? = nil, lastFailure: Double? = nil, lastError: String? = nil, consecutiveFailures: Int = 0) {
        self.lastSuccess = lastSuccess
        self.lastFailure = lastFailure
        self.lastError = lastError
        self.consecutiveFailures = consecutiveFailures
    }
}

/// The admin endpoint `GET /servers`: each configured server's state in the catalog, its last
/// success and error, what it lists, and which protocol eras it speaks — what an operator would
/// otherwise read out of the logs. Server URLs are left out (they may carry credentials).
public enum ServerStatusReport {
    public static func json(config: GatewayConfig, catalog: CatalogSnapshot, health: [String: ServerHealth]) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("servers"); w.beginArray()
        for server in config.servers {
            let state = catalog.serverStates[server.name] ?? .pending
            let h = health[server.name] ?? ServerHealth()
            w.beginObject()
            w.key("name"); w.string(server.name)
            w.key("prefix"); w.string(server.prefix)
            w.key("state"); w.string(state.name)
            switch state {
            case .stale(_, let since, let reason):
                w.key("staleSinceUnixSeconds"); w.number(Int(since))
                w.key("staleUntilUnixSeconds"); w.number(Int(since + config.catalog.staleSeconds))
                w.key("reason"); w.string(reason)
            case .down(let reason):
                w.key("reason"); w.string(reason)
            case .up, .pending:
                break
            }
            w.key("lastSuccessUnixSeconds"); optional(&w, h.lastSuccess)
            w.key("lastFailureUnixSeconds"); optional(&w, h.lastFailure)
            w.key("lastError"); if let e = h.lastError { w.string(e) } else { w.null() }
            w.key("consecutiveFailures"); w.number(h.consecutiveFailures)
            let listed = state.listed
            w.key("tools"); w.number(catalog.tools.lazy.filter { $0.server == server.name }.count)
            w.key("prompts"); w.number(catalog.prompts.lazy.filter { $0.server == server.name }.count)
            w.key("resources"); w.number(catalog.resources.lazy.filter { $0.server == server.name }.count)
            if server.pin {
                let mine = catalog.pinFindings.filter { $0.server == server.name }
                w.key("pinned"); w.bool(true)
                w.key("driftedTools"); w.beginArray(); for f in mine where f.kind == .drifted { w.string(f.tool) }; w.endArray()
                w.key("unapprovedTools"); w.beginArray(); for f in mine where f.kind == .unapproved { w.string(f.tool) }; w.endArray()
            }
            w.key("eras"); w.beginArray()
            if listed?.speaksHandshake == true { w.string("handshake") }
            if listed?.speaksModern == true { w.string("2026-07-28") }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    private static func optional(_ w: inout JSONWriter, _ seconds: Double?) {
        if let seconds { w.number(Int(seconds)) } else { w.null() }
    }

    /// `/readyz` detail: the servers not serving their entries live, e.g. `stale: physics; down: x`
    /// (empty when all are up). They do not make the gateway unready: the others still serve.
    public static func readinessDetail(config: GatewayConfig, catalog: CatalogSnapshot) -> String {
        var byState: [(String, [String])] = [("stale", []), ("down", [])]
        for server in config.servers {
            let name = (catalog.serverStates[server.name] ?? .pending).name
            if let i = byState.firstIndex(where: { $0.0 == name }) { byState[i].1.append(server.name) }
        }
        return byState.filter { !$0.1.isEmpty }.map { "\($0.0): \($0.1.joined(separator: ","))" }.joined(separator: "; ")
    }
}
