import GatewayRuntime
import HTTP2
import Logging

/// Command-line options. Every listen address is a flag so tests and multi-instance set-ups can
/// move ports; the defaults are the documented ones.
///
/// Both ports default to loopback: they are for Envoy and probes only (the gRPC port raises
/// libnghttp2's rapid-reset limit for Envoy; the admin port serves metrics), so reaching them from
/// the network takes an explicit choice, e.g. `--grpc-listen 0.0.0.0:50051` or a pod IP.
struct GatewayOptions {
    var grpcListen = ListenAddress(host: "127.0.0.1", port: 50051)
    var adminListen = ListenAddress(host: "127.0.0.1", port: 9090)
    /// Connections each port holds at once (then new ones are closed at once).
    var maxConnections = 10_000
    /// Admin port: a request must complete this long after the connection opened or the previous
    /// request; gRPC port: the HTTP/2 preface must arrive within it.
    var requestTimeoutSeconds = 15.0
    var threads = EventLoopGroup.defaultThreadCount
    var logLevel = LogLevel.info
    var drainSeconds = 10.0
    var maxMessageBytes = 16 << 20
    var enableTestServices = false
    var configPath: String?

    enum ParseError: Error, CustomStringConvertible {
        case unknownFlag(String)
        case missingValue(String)
        case invalidValue(flag: String, value: String)

        var description: String {
            switch self {
            case .unknownFlag(let f): "unknown flag \(f) (see --help)"
            case .missingValue(let f): "flag \(f) needs a value"
            case .invalidValue(let f, let v): "invalid value \"\(v)\" for \(f)"
            }
        }
    }

    static let usage = """
    usage: mcp-gateway [options]
      --grpc-listen ADDR       gRPC (ext_proc, ext_authz, health) over h2c   [default 127.0.0.1:50051]
      --admin-listen ADDR      admin HTTP: /healthz /readyz /metrics          [default 127.0.0.1:9090]
      --threads N              event-loop threads                             [default: one per core]
      --log-level LEVEL        debug | info | warn | error                    [default info]
      --drain-seconds S        graceful drain deadline on SIGTERM/SIGINT      [default 10]
      --max-message-bytes N    largest gRPC message accepted                  [default 16777216]
      --max-connections N      connections each port holds at once            [default 10000]
      --request-timeout-seconds S  admin: a request must complete within S of the
                               connection opening or the previous request; gRPC: the
                               HTTP/2 preface within S                        [default 15]
      --config FILE            gateway config (JSON): the MCP servers to federate. Without
                               it the processor only passes traffic through.
      --enable-test-services   also serve mcpgateway.testing.v1.Echo (tests only)
      --version                print the version and exit
    ADDR is HOST:PORT, [V6]:PORT, :PORT (all interfaces) or unix:/PATH (a Unix domain socket, mode
    0660: only its owner and group, i.e. Envoy, can connect). Both ports are for Envoy and probes
    only: they listen on loopback unless told otherwise (e.g. --grpc-listen 0.0.0.0:50051).
    """

    static func parse(_ args: [String]) throws -> GatewayOptions {
        var o = GatewayOptions()
        var i = 0
        func value(_ flag: String) throws -> String {
            i += 1
            guard i < args.count else { throw ParseError.missingValue(flag) }
            return args[i]
        }
        func address(_ flag: String) throws -> ListenAddress {
            let v = try value(flag)
            guard let a = ListenAddress(parsing: v) else { throw ParseError.invalidValue(flag: flag, value: v) }
            return a
        }
        while i < args.count {
            let flag = args[i]
            switch flag {
            case "--grpc-listen": o.grpcListen = try address(flag)
            case "--admin-listen": o.adminListen = try address(flag)
            case "--threads":
                let v = try value(flag)
                guard let n = Int(v), n > 0, n <= 256 else { throw ParseError.invalidValue(flag: flag, value: v) }
                o.threads = n
            case "--log-level":
                let v = try value(flag)
                guard let l = LogLevel(name: v) else { throw ParseError.invalidValue(flag: flag, value: v) }
                o.logLevel = l
            case "--drain-seconds":
                let v = try value(flag)
                guard let s = Double(v), s >= 0 else { throw ParseError.invalidValue(flag: flag, value: v) }
                o.drainSeconds = s
            case "--max-message-bytes":
                let v = try value(flag)
                guard let n = Int(v), n > 0 else { throw ParseError.invalidValue(flag: flag, value: v) }
                o.maxMessageBytes = n
            case "--max-connections":
                let v = try value(flag)
                guard let n = Int(v), n > 0 else { throw ParseError.invalidValue(flag: flag, value: v) }
                o.maxConnections = n
            case "--request-timeout-seconds":
                let v = try value(flag)
                guard let s = Double(v), s > 0, s.isFinite else { throw ParseError.invalidValue(flag: flag, value: v) }
                o.requestTimeoutSeconds = s
            case "--enable-test-services": o.enableTestServices = true
            case "--config": o.configPath = try value(flag)
            default: throw ParseError.unknownFlag(flag)
            }
            i += 1
        }
        return o
    }

    /// What the runtime is started with.
    func settings(version: String) -> GatewaySettings {
        GatewaySettings(grpcListen: grpcListen, adminListen: adminListen, maxConnections: maxConnections,
                        requestTimeoutSeconds: requestTimeoutSeconds, threads: threads, drainSeconds: drainSeconds,
                        maxMessageBytes: maxMessageBytes, enableTestServices: enableTestServices, configPath: configPath,
                        version: version)
    }
}
