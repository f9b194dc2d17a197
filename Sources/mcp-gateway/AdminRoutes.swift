import AdminHTTP
import EnvoyServices
import MCPGateway
import Observability

/// The admin port's endpoints: probes, and the MCP event streams Envoy routes here.
struct AdminRoutes: Sendable {
    let health: HealthStatus
    let mcp: MCPStreamEndpoint?
    let protectedResource: ProtectedResourceMetadata?
    let metrics: MetricsRegistry
    let ready: @Sendable () -> (Bool, String)

    func handle(_ request: AdminRequest) -> AdminResult {
        if let protectedResource, request.path.hasPrefix(ProtectedResourceMetadata.path) {
            return .response(protectedResource.response())
        }
        if let mcp, request.path == mcp.path || request.path == mcp.path + "/" {
            return mcp.handle(request)
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            return .response(AdminResponse(status: 405, body: "method not allowed\n", extraHeaders: [("allow", "GET, HEAD")]))
        }
        switch request.path {
        case "/healthz":
            return .response(AdminResponse(status: 200, body: "ok\n"))
        case "/readyz":
            let (ok, why) = ready()
            return .response(AdminResponse(status: ok ? 200 : 503, body: "\(why)\n"))
        case "/metrics":
            return .response(AdminResponse(status: 200, contentType: MetricsRegistry.contentType, body: metrics.render()))
        default:
            return .response(AdminResponse(status: 404, body: "not found\n"))
        }
    }
}

/// `GET /mcp` (handshake era) and `POST /mcp` `subscriptions/listen` (2026-07-28), reached
/// through Envoy after ext_proc checked the request; the session is verified again here so the
/// port is no shortcut around the gateway.
struct MCPStreamEndpoint: Sendable {
    let path: String
    let hub: NotificationHub
    let router: @Sendable () -> MCPRouter

    static let sseHeaders = [("content-type", "text/event-stream"), ("cache-control", "no-cache, no-transform"),
                             ("x-accel-buffering", "no")]

    func handle(_ request: AdminRequest) -> AdminResult {
        let head = MCPRequestHead(method: request.method, path: path, sessionID: request.header("mcp-session-id"),
                                  protocolVersion: request.header("mcp-protocol-version"), mcpMethod: request.header("mcp-method"),
                                  accept: request.header("accept"), identityDigest: request.header("x-mcp-identity-digest") ?? "")
        let router = router()
        if request.method == "GET" {
            guard let decision = router.route(head: head) else { return error(405, "use GET or subscriptions/listen") }
            switch decision {
            case .stream:
                return .stream(status: 200, headers: Self.sseHeaders) { hub.openLegacyStream($0) }
            case .reply(let local):
                return .response(AdminResponse(status: local.status, contentType: local.contentType, bytes: local.body))
            case .forward:
                return error(500, "unexpected forward")
            }
        }
        guard request.method == "POST", let parsed = try? JSONRPCRequest(parsing: request.body[...]),
              parsed.method == "subscriptions/listen" else {
            return error(400, "this endpoint serves GET streams and subscriptions/listen only")
        }
        return .stream(status: 200, headers: Self.sseHeaders) { hub.openListenStream($0, request: parsed) }
    }

    private func error(_ status: Int, _ message: String) -> AdminResult {
        .response(AdminResponse(status: status, contentType: "application/json",
                                bytes: JSONRPCReply.error(id: nil, JSONRPCError(code: JSONRPCError.invalidRequestCode, message: message))))
    }
}

/// RFC 9728 protected-resource metadata, which MCP clients fetch after a 401 to find where to
/// get a token. Envoy routes `/.well-known/oauth-protected-resource` here without auth. The same
/// document whatever the request says: `resource` is the configured one, never the `Host`.
struct ProtectedResourceMetadata: Sendable {
    static let path = ProtectedResource.metadataPath
    let config: AuthConfig
    let resource: String

    /// nil without a configured `auth.resource` (the config loader requires one).
    init?(config: AuthConfig) {
        guard let resource = config.resource else { return nil }
        self.config = config
        self.resource = resource
    }

    func response() -> AdminResponse {
        var json = "{\"resource\":\(JSONText.string(resource)),\"authorization_servers\":["
        json += config.authorizationServers.map(JSONText.string).joined(separator: ",")
        json += "],\"bearer_methods_supported\":[\"header\"]"
        if !config.scopes.isEmpty { json += ",\"scopes_supported\":[" + config.scopes.map(JSONText.string).joined(separator: ",") + "]" }
        json += "}"
        return AdminResponse(status: 200, contentType: "application/json", bytes: Array(json.utf8))
    }
}
