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
        let service = self
        return [
            "Check": .unary { bytes, call in
                switch service.check(bytes) {
                case .success(let reply): call.respond(reply)
                case .failure(let status): call.finish(status)
                }
            },
        ]
    }

    /// The reply to one serialized `HealthCheckRequest`, or the gRPC status refusing it.
    func check(_ bytes: [UInt8]) -> Result<[UInt8], GRPCStatus> {
        guard let request = try? HealthCheckRequest(serializedBytes: bytes) else {
            return .failure(GRPCStatus(.invalidArgument, "malformed HealthCheckRequest"))
        }
        guard knownServices.contains(request.service) else {
            return .failure(GRPCStatus(.notFound, "unknown service \(request.service)"))
        }
        return .success(HealthCheckResponse(status: status.isServing ? .serving : .notServing).serializedBytes())
    }
}
