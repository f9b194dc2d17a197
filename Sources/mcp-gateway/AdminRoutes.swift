import AdminHTTP
import EnvoyServices

/// The admin port's endpoints: liveness and readiness probes (metrics arrive with governance).
struct AdminRoutes: Sendable {
    let health: HealthStatus

    func handle(_ request: AdminRequest) -> AdminResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return AdminResponse(status: 405, body: "method not allowed\n", extraHeaders: [("allow", "GET, HEAD")])
        }
        switch request.path {
        case "/healthz":
            return AdminResponse(status: 200, body: "ok\n")
        case "/readyz":
            return health.isServing ? AdminResponse(status: 200, body: "ready\n") : AdminResponse(status: 503, body: "not ready\n")
        default:
            return AdminResponse(status: 404, body: "not found\n")
        }
    }
}
