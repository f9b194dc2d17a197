// swift-tools-version: 6.0
// The MCP gateway: an ext_proc / ext_authz sidecar for a stock Envoy.
// No package dependencies by design: Foundation, Dispatch, Synchronization, and the system
// libraries libnghttp2 and OpenSSL through system-library targets.
import PackageDescription

let package = Package(
    name: "mcp-gateway",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mcp-gateway", targets: ["mcp-gateway"]),
    ],
    targets: [
        // C shims: system libraries only (module map + header).
        .systemLibrary(name: "CNghttp2", pkgConfig: "libnghttp2", providers: [.apt(["libnghttp2-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),

        // Blocking work (network round trips with blocking clients) on fixed, bounded thread pools.
        .target(name: "WorkPool"),

        // Text that may reach an HTTP header: visible ASCII only (no response splitting).
        .target(name: "HTTPHeaderText"),

        // Wire codecs.
        .target(name: "ProtoWire"),
        .target(name: "EnvoyProto", dependencies: ["ProtoWire", "HTTPHeaderText"]),
        .target(name: "JSONWire"),

        // Transport: event loops, HTTP/2 over libnghttp2, gRPC framing and dispatch, admin HTTP/1.1.
        // Log lines are JSON: written with JSONWire's writer (its only dependency; JSONWire has none).
        .target(name: "Logging", dependencies: ["JSONWire"]),
        .systemLibrary(name: "CLinux"),
        .target(name: "HTTP2", dependencies: ["CNghttp2", "CLinux", "Logging"]),
        .target(name: "GRPC", dependencies: ["HTTP2", "Logging"]),
        .target(name: "AdminHTTP", dependencies: ["HTTP2", "Logging", "HTTPHeaderText"]),

        // The pure gateway core: JSON-RPC, catalog, routing decisions, sessions. No sockets, no Envoy.
        .target(name: "MCPGateway", dependencies: ["JSONWire", "COpenSSL", "HTTPHeaderText"]),

        // Bearer-token verification: JWT/JWKS signatures with OpenSSL.
        .target(name: "TokenAuth", dependencies: ["MCPGateway", "JSONWire", "COpenSSL", "HTTPHeaderText", "Logging", "WorkPool"]),

        // Outbound: the gateway's own MCP client for discovery and backend sessions.
        .target(name: "Upstreams", dependencies: ["MCPGateway", "HTTPClient", "JSONWire", "Logging", "TokenAuth", "Observability", "WorkPool"]),

        // Metrics, audit trail.
        .target(name: "Observability", dependencies: ["Logging"]),

        // Envoy adapters.
        .target(name: "EnvoyServices", dependencies: ["GRPC", "HTTP2", "EnvoyProto", "ProtoWire", "Logging", "MCPGateway", "TokenAuth", "HTTPHeaderText", "WorkPool"]),

        // Outbound HTTP/1.1 (+TLS) client for background calls: MCP discovery, TokenReview, JWKS.
        .target(name: "HTTPClient", dependencies: ["COpenSSL", "HTTP2", "WorkPool"]),

        // A small RESP2 client (blocking, every call bounded by a timeout) for shared state.
        .target(name: "RedisClient", dependencies: ["HTTPClient"]),

        // The runtime: wiring of the servers, the event-stream hub and stream endpoints, governance
        // (metrics, audit), reload, auth wiring, shared state. Everything the binary runs, testable.
        .target(name: "GatewayRuntime", dependencies: ["EnvoyServices", "GRPC", "AdminHTTP", "HTTP2", "MCPGateway", "Upstreams", "HTTPClient", "JSONWire", "Logging", "TokenAuth", "Observability", "RedisClient", "WorkPool"]),

        // The binary: flags, signals, `main`.
        .executableTarget(name: "mcp-gateway", dependencies: ["GatewayRuntime", "HTTP2", "Logging"]),

        // Benchmarks only: a fast MCP backend (Streamable HTTP, JSON) so the backend is never the bottleneck.
        .executableTarget(name: "mcp-bench-backend", dependencies: ["AdminHTTP", "HTTP2", "Logging"]),

        .testTarget(name: "ProtoWireTests", dependencies: ["ProtoWire", "EnvoyProto"],
                    resources: [.copy("Golden")]),
        .testTarget(name: "GRPCTests", dependencies: ["GRPC", "HTTP2"]),
        .testTarget(name: "AdminHTTPTests", dependencies: ["AdminHTTP", "HTTP2", "Logging"]),
        .testTarget(name: "MCPGatewayTests", dependencies: ["MCPGateway", "JSONWire"]),
        .testTarget(name: "JSONWireTests", dependencies: ["JSONWire", "Logging"]),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "HTTP2"]),
        .testTarget(name: "RedisClientTests", dependencies: ["RedisClient"]),
        .testTarget(name: "HTTPHeaderTextTests", dependencies: ["HTTPHeaderText"]),
        .testTarget(name: "GatewayOptionsTests", dependencies: ["mcp-gateway"]),
        .testTarget(name: "GatewayRuntimeTests", dependencies: ["GatewayRuntime", "EnvoyServices", "JSONWire", "MCPGateway"]),
        .testTarget(name: "WorkPoolTests", dependencies: ["WorkPool"]),
        .testTarget(name: "HTTP2Tests", dependencies: ["HTTP2"]),
        .testTarget(name: "ObservabilityTests", dependencies: ["Observability"]),
        .testTarget(name: "UpstreamsTests", dependencies: ["Upstreams", "HTTPClient", "MCPGateway", "JSONWire", "TokenAuth"]),
        .testTarget(name: "EnvoyServicesTests", dependencies: ["EnvoyServices", "EnvoyProto", "ProtoWire", "GRPC", "MCPGateway", "TokenAuth",
                                                            "JSONWire", "Logging", "HTTPHeaderText"]),
        .testTarget(name: "TokenAuthTests", dependencies: ["TokenAuth", "MCPGateway", "JSONWire", "COpenSSL"],
                    exclude: ["make_vectors.py"]),
    ],
    swiftLanguageModes: [.v6]
)
