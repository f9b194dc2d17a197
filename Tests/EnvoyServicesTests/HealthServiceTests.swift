import EnvoyProto
@testable import EnvoyServices
import GRPC
import Testing

/// gRPC health: the same readiness as /readyz, per known service name.
@Suite struct HealthServiceTests {
    func status(_ reply: Result<[UInt8], GRPCStatus>) throws -> HealthCheckResponse.ServingStatus? {
        try HealthCheckResponse(serializedBytes: reply.get()).status
    }

    @Test func followsTheReadinessFlag() throws {
        let health = HealthStatus()
        let service = HealthService(status: health)
        let request = HealthCheckRequest(service: "").serializedBytes()
        #expect(try status(service.check(request)) == .notServing)
        health.setServing(true)
        #expect(try status(service.check(request)) == .serving)
        #expect(try status(service.check(HealthCheckRequest(service: "envoy.service.auth.v3.Authorization").serializedBytes())) == .serving)
        health.setServing(false)
        #expect(try status(service.check(HealthCheckRequest(service: "envoy.service.ext_proc.v3.ExternalProcessor").serializedBytes())) == .notServing)
    }

    @Test func unknownServicesAndMalformedRequestsAreErrors() {
        let service = HealthService(status: HealthStatus())
        #expect(throws: GRPCStatus(.notFound, "unknown service nope")) { try service.check(HealthCheckRequest(service: "nope").serializedBytes()).get() }
        #expect(throws: GRPCStatus(.invalidArgument, "malformed HealthCheckRequest")) { try service.check([0x0A, 0x05, 0x61]).get() }
        #expect(service.methods.keys.sorted() == ["Check"])
    }
}
