import EnvoyProto
import GRPC

/// `grpc.health.v1.Health/Check`, so Envoy's `grpc_health_check` and Kubernetes probes see the
/// same readiness as `/readyz`. The empty service name means the whole server.
public struct HealthService: GRPCService {
    public let serviceName = "grpc.health.v1.Health"
    let status: HealthStatus
    let knownServices: Set<String>

    public init(status: HealthStatus, knownServices: Set<String> = [
        "", "envoy.service.ext_proc.v3.ExternalProcessor", "envoy.service.auth.v3.Authorization",
    ]) {
        self.status = status
        self.knownServices = knownServices
    }

    public var methods: [String: GRPCMethod] {
        let status = self.status
        let known = self.knownServices
        return [
            "Check": .unary { bytes, call in
                guard let request = try? HealthCheckRequest(serializedBytes: bytes) else {
                    call.finish(GRPCStatus(.invalidArgument, "malformed HealthCheckRequest"))
                    return
                }
                guard known.contains(request.service) else {
                    call.finish(GRPCStatus(.notFound, "unknown service \(request.service)"))
                    return
                }
                let reply = HealthCheckResponse(status: status.isServing ? .serving : .notServing)
                call.respond(reply.serializedBytes())
            },
        ]
    }
}
