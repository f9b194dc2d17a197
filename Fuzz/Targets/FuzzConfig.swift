// Fuzz target `config`: the gateway config loader (`GatewayConfigLoader.parse`), with injected
// readFile / environment closures returning fixed values (no I/O), and then what the gateway
// builds from an accepted config at start-up and uses per request: the router and its rate
// limiter (a few calls per rule, so buckets run dry), the catalog snapshot with every server up,
// the access policy's grants, server URL parts, a tools/list page. Property: a config is either refused with a
// ConfigError or it works — nothing traps, at load time or when first used.
import JSONWire
import MCPGateway

private let loader = GatewayConfigLoader(
    readFile: { path in path.contains("missing") ? nil : Array("file-secret-value-0123456789\n".utf8) },
    environment: { name in name.hasPrefix("UNSET") ? nil : "env-secret-value-0123456789" })

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(fuzzInput(data, size))
    guard let config = try? loader.parse(bytes) else { return 0 }

    // Start-up: what Gateway/Federation build from the config.
    let signer = config.session.secret.map { SessionSigner(secret: $0, ttlSeconds: config.session.ttlSeconds) }
        ?? SessionSigner(secret: Array("fuzz-secret-0123456789".utf8), ttlSeconds: config.session.ttlSeconds)
    let router = MCPRouter(config: config, signer: signer, revocations: SessionRevocations(), version: "fuzz", clock: { 1_800_000_000 })
    var states: [String: ServerState] = [:]
    for server in config.servers {
        _ = server.authority
        _ = server.path
        _ = config.server(named: server.name)
        states[server.name] = .up(DiscoveredServer(
            name: server.name, tools: [["name": "add"], ["name": "admin_remove"], ["name": "solve"]],
            prompts: [["name": "explain"]], speaksHandshake: true, speaksModern: true))
    }
    let catalog = CatalogSnapshot(generation: 1, config: config, states: states)
    let session = signer.issue(protocolVersion: "2025-11-25", identityDigest: "", now: 1_800_000_000)
    _ = signer.verify(session.token, now: 1_800_000_001)

    // Per request: grants, then the rate limiter on a few calls of each tool.
    let callers = [CallerIdentity(subject: "alice", groups: ["calculus-users"], serviceAccount: "agents/bot", method: "jwt"),
                   CallerIdentity(subject: "", method: "kubernetes")]
    for caller in callers {
        let grants = config.policy.grants(for: caller)
        for entry in catalog.tools { _ = grants.allowsTool(entry) }
        for server in config.servers { _ = grants.allowsServer(server.name) }
    }
    if !router.limiter.isEmpty {
        var now = 1_800_000_000.0
        for entry in catalog.tools.prefix(4) {
            for _ in 0..<4 {
                _ = router.limiter.check(caller: "alice", server: entry.server, tool: entry.publicName, now: now)
                now += 0.25
            }
        }
    }
    _ = router.route(head: MCPRequestHead(method: "GET", path: config.mcpPath + "/"))
    // A list page at a (client-chosen) cursor, with the configured page size.
    let head = MCPRequestHead(method: "POST", path: config.mcpPath, sessionID: session.token, protocolVersion: "2025-11-25")
    for cursor in ["dDox", "dDoy"] {   // base64url of "t:1", "t:2"
        let body = Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"\#(cursor)"}}"#.utf8)
        _ = router.route(head: head, body: body[...], catalog: catalog)
    }
    return 0
}
