import HTTP2
import Testing
@testable import mcp_gateway

/// The control ports are for Envoy and probes: without flags they must not face the network.
struct GatewayOptionsTests {
    @Test func defaultsListenOnLoopbackOnly() throws {
        let o = try GatewayOptions.parse([])
        #expect(o.grpcListen == ListenAddress(host: "127.0.0.1", port: 50051))
        #expect(o.adminListen == ListenAddress(host: "127.0.0.1", port: 9090))
    }

    @Test func widerListenersNeedAnExplicitAddress() throws {
        let o = try GatewayOptions.parse(["--grpc-listen", "0.0.0.0:50051", "--admin-listen", "[::]:9091"])
        #expect(o.grpcListen == ListenAddress(host: "0.0.0.0", port: 50051))
        #expect(o.adminListen == ListenAddress(host: "::", port: 9091))
    }

    @Test func theGRPCPortCanBeAUnixSocket() throws {
        let o = try GatewayOptions.parse(["--grpc-listen", "unix:/run/mcp/grpc.sock"])
        #expect(o.grpcListen.unixPath == "/run/mcp/grpc.sock")
        #expect(o.grpcListen.description == "unix:/run/mcp/grpc.sock")
        for bad in ["unix:relative.sock", "unix:/" + String(repeating: "x", count: 120)] {
            #expect(throws: (any Error).self) { try GatewayOptions.parse(["--grpc-listen", bad]) }
        }
    }

    @Test func connectionLimitsHaveDefaultsAndFlags() throws {
        let d = try GatewayOptions.parse([])
        #expect(d.maxConnections == 10_000 && d.requestTimeoutSeconds == 15)
        let o = try GatewayOptions.parse(["--max-connections", "50", "--request-timeout-seconds", "2.5"])
        #expect(o.maxConnections == 50 && o.requestTimeoutSeconds == 2.5)
        for bad in [["--max-connections", "0"], ["--request-timeout-seconds", "-1"], ["--request-timeout-seconds", "inf"]] {
            #expect(throws: (any Error).self) { try GatewayOptions.parse(bad) }
        }
    }

    @Test func usageStatesTheLoopbackDefaults() {
        #expect(GatewayOptions.usage.contains("[default 127.0.0.1:50051]"))
        #expect(GatewayOptions.usage.contains("[default 127.0.0.1:9090]"))
    }
}
