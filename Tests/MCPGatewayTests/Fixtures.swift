import JSONWire
@testable import MCPGateway

/// A small federation used by the catalog and router tests:
/// * `calc` (prefix `calc_`, both eras): tools `add`, `divide`, `secret_admin` (denied by filter),
///   prompt `explain`, a resource and a template;
/// * `phys` (prefix `phys_`, handshake only): tool `velocity`, prompt `explain`;
/// * `dead` (prefix `dead_`): configured, but down.
enum Fixture {
    static let addTool: JSONValue = [
        "name": "add",
        "title": "Add",
        "description": "Adds \"a\" and b — exactly.",
        "inputSchema": [
            "type": "object",
            "properties": [
                "a": ["type": "number", "default": .number("1.50")],
                "b": ["type": "number"],
                "region": ["type": "string", "x-mcp-header": "Region"],
            ],
            "required": ["a", "b"],
        ],
        "annotations": ["readOnlyHint": true],
        "_meta": ["x": nil],
    ]

    static let calc = DiscoveredServer(
        name: "calc",
        tools: [addTool, ["name": "divide", "inputSchema": ["type": "object"]], ["name": "secret_admin", "inputSchema": ["type": "object"]]],
        prompts: [["name": "explain", "description": "Explains a calculation"]],
        resources: [["uri": "file:///notes.txt", "name": "notes", "mimeType": "text/plain"]],
        resourceTemplates: [["uriTemplate": "file:///{path}", "name": "files"]],
        instructions: "Use calc for arithmetic.",
        speaksHandshake: true, speaksModern: true)

    static let phys = DiscoveredServer(
        name: "phys",
        tools: [["name": "velocity", "inputSchema": ["type": "object"]]],
        prompts: [["name": "explain"]],
        resources: [["uri": "mem://constants", "name": "constants"]],
        speaksHandshake: true, speaksModern: false)

    static let deadServer = DiscoveredServer(name: "dead", tools: [["name": "ghost", "inputSchema": ["type": "object"]]])

    static func config(pageSize: Int = 500, maxBodyBytes: Int = 1 << 20) -> GatewayConfig {
        GatewayConfig(
            servers: [
                ServerConfig(name: "calc", url: "http://calc:8000/mcp", toolFilter: ToolFilter(deny: ["secret_*"])),
                ServerConfig(name: "phys", url: "http://phys:8000/mcp", cluster: "physics", forwardAuthorization: true),
                ServerConfig(name: "dead", url: "http://dead:8000/mcp"),
            ],
            catalog: CatalogConfig(pageSize: pageSize),
            limits: LimitsConfig(maxBodyBytes: maxBodyBytes),
            serverName: "test-gateway")
    }

    static let states: [String: ServerState] = ["calc": .up(calc), "phys": .up(phys), "dead": .down(reason: "connection refused")]

    static func catalog(config: GatewayConfig = config()) -> CatalogSnapshot {
        CatalogSnapshot(generation: 1, config: config, states: states)
    }

    static let secret = utf8("router-test-secret-0123456789")
    static let signer = SessionSigner(secret: secret, ttlSeconds: 3600)
    static let t0: Double = 1_800_000_000
}

/// A router with a controllable clock and its own revocation list.
struct RouterHarness {
    let config: GatewayConfig
    let revocations: SessionRevocations
    let catalog: CatalogSnapshot
    /// Kept across the routers it makes, as the gateway keeps it across reloads.
    let subscriptions = BridgedSubscriptions()

    init(config: GatewayConfig = Fixture.config(), revocations: SessionRevocations = SessionRevocations(),
         states: [String: ServerState] = Fixture.states) {
        self.config = config
        self.revocations = revocations
        catalog = CatalogSnapshot(generation: 1, config: config, states: states)
    }

    func router(at time: Double = Fixture.t0, signer: SessionSigner = Fixture.signer) -> MCPRouter {
        MCPRouter(config: config, signer: signer, revocations: revocations, version: "9.9.9-test", clock: { time },
                  subscriptions: subscriptions)
    }

    /// POSTs `body` through the header step and then the body step, as the adapter does.
    func post(_ body: String, session: String? = nil, version: String? = nil, mcpMethod: String? = nil, mcpName: String? = nil,
              identity: String = "", at time: Double = Fixture.t0) -> RouteDecision {
        post(utf8(body), head: MCPRequestHead(method: "POST", path: "/mcp", sessionID: session, protocolVersion: version,
                                              mcpMethod: mcpMethod, mcpName: mcpName, identityDigest: identity), at: time)
    }

    func post(_ body: [UInt8], head: MCPRequestHead, at time: Double = Fixture.t0) -> RouteDecision {
        let r = router(at: time)
        if let early = r.route(head: head) { return early }
        return r.route(head: head, body: body[...], catalog: catalog)
    }

    /// Opens a handshake session and returns its token.
    func openSession(version: String = "2025-11-25", identity: String = "", at time: Double = Fixture.t0) -> String? {
        let d = post(#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"\#(version)","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
                     identity: identity, at: time)
        return d.localReply?.header("mcp-session-id")
    }
}

/// A modern (2026-07-28) request body with the `_meta` envelope.
func modernBody(id: String = "1", method: String, params: String = "{}") -> String {
    let envelope = #""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}"#
    let inner = params == "{}" ? "{\(envelope)}" : "{\(envelope)," + params.dropFirst()
    return #"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(inner)}"#
}
