import AdminHTTP
import EnvoyServices
import MCPGateway
import Observability
import Upstreams
import HTTPClient
import Logging

/// The admin port's endpoints: probes, and the MCP event streams Envoy routes here.
struct AdminRoutes: Sendable {
    let health: HealthStatus
    let mcp: MCPStreamEndpoint?
    let protectedResource: ProtectedResourceMetadata?
    let metrics: MetricsRegistry
    let ready: @Sendable () -> (Bool, String)
    /// `GET /servers` (nil without a federation config).
    let servers: (@Sendable () -> [UInt8])?
    /// `GET /pins` (drift and unapproved tools) and `POST /pins/approve` (nil without a federation config).
    let pins: PinEndpoints?

    struct PinEndpoints: Sendable {
        let report: @Sendable () -> [UInt8]
        let approve: @Sendable ([UInt8]) -> (status: Int, body: String)
    }

    func handle(_ request: AdminRequest) -> AdminResult {
        if let protectedResource, request.path.hasPrefix(ProtectedResourceMetadata.path) {
            return .response(protectedResource.response())
        }
        if let mcp, request.path == mcp.path || request.path == mcp.path + "/" || mcp.servesVirtualServer(at: request.path) {
            return mcp.handle(request)
        }
        if let pins, request.path == "/pins/approve" {
            guard request.method == "POST" else {
                return .response(AdminResponse(status: 405, body: "method not allowed\n", extraHeaders: [("allow", "POST")]))
            }
            let (status, body) = pins.approve(request.body)
            return .response(AdminResponse(status: status, contentType: "application/json", body: body + "\n"))
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
        case "/pins" where pins != nil:
            return .response(AdminResponse(status: 200, contentType: "application/json", bytes: pins?.report() ?? []))
        case "/servers" where servers != nil:
            return .response(AdminResponse(status: 200, contentType: "application/json", bytes: servers?() ?? []))
        case "/metrics":
            return .response(AdminResponse(status: 200, contentType: MetricsRegistry.contentType, body: metrics.render()))
        default:
            return .response(AdminResponse(status: 404, body: "not found\n"))
        }
    }
}
