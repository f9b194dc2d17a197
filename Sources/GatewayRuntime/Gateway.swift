#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import AdminHTTP
import EnvoyServices
import GRPC
import HTTP2
import HTTPClient
import Logging
import Observability
import MCPGateway
import Upstreams

/// What the runtime needs from the command line (the binary's `GatewayOptions` fills it in).
public struct GatewaySettings: Sendable {
    public var grpcListen: ListenAddress
    public var adminListen: ListenAddress
    /// Connections each port holds at once (then new ones are closed at once).
    public var maxConnections: Int
    /// Admin port: a request must complete this long after the connection opened or the previous
    /// request; gRPC port: the HTTP/2 preface must arrive within it.
    public var requestTimeoutSeconds: Double
    public var threads: Int
    public var drainSeconds: Double
    public var maxMessageBytes: Int
    public var enableTestServices: Bool
    /// The gateway config; nil: the processor only passes traffic through.
    public var configPath: String?
    /// Reported by build-info metrics, the `x-mcp-gateway` header and as the gateway's clientInfo.
    public var version: String

    public init(grpcListen: ListenAddress, adminListen: ListenAddress, maxConnections: Int, requestTimeoutSeconds: Double,
                threads: Int, drainSeconds: Double, maxMessageBytes: Int, enableTestServices: Bool, configPath: String?,
                version: String) {
        self.grpcListen = grpcListen
        self.adminListen = adminListen
        self.maxConnections = maxConnections
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.threads = threads
        self.drainSeconds = drainSeconds
        self.maxMessageBytes = maxMessageBytes
        self.enableTestServices = enableTestServices
        self.configPath = configPath
        self.version = version
    }
}

/// Wires the servers together and owns their lifecycle: start, reload, drain. Signals are the
/// binary's: it calls `reload` on SIGHUP and `shutdown` on SIGTERM/SIGINT.
public final class Gateway: @unchecked Sendable {
    let settings: GatewaySettings
    let logger = Logger(component: "gateway")
    let health = HealthStatus()
    private var group: EventLoopGroup?
    private var grpcServer: TCPServer?
    private var adminServer: TCPServer?
    private var federation: Federation?
    private let metrics: GatewayMetrics

    public init(settings: GatewaySettings) {
        self.settings = settings
        metrics = GatewayMetrics(version: settings.version)
    }

    public func start() throws {
        let group = try EventLoopGroup(threads: settings.threads)
        self.group = group
        var services: [GRPCService] = [HealthService(status: health)]
        var streamEndpoint: MCPStreamEndpoint?
        var protectedResource: ProtectedResourceMetadata?
        if let path = settings.configPath {
            let federation = try Federation(configPath: path, metrics: metrics, version: settings.version)
            self.federation = federation
            services.append(ExternalProcessorService(processor: MCPProcessor(context: federation.context)))
            services.append(AccessLogService(context: federation.context))
            let context = federation.context
            streamEndpoint = MCPStreamEndpoint(path: federation.config.mcpPath, hub: federation.hub, router: { context.router },
                                               relay: federation.relay, serverStreams: federation.serverStreams,
                                               backendSessions: { context.backendSessions.sessions(client: $0) },
                                               catalog: { context.catalog.snapshot }, version: settings.version,
                                               bridge: federation.bridge, subscriptionListens: federation.subscriptionListens)
            if let auth = federation.auth {
                // ext_proc reviews tokens itself when Envoy runs no ext_authz (the shipped envoy.yaml);
                // ext_authz's Check answers the same way for configs that put it in front.
                let admission = auth.admission(policy: { context.router.config.policy })
                context.authenticateCallers(with: admission)
                services.append(AuthorizationService(admission: admission))
                protectedResource = ProtectedResourceMetadata(config: auth.config)
            }
            startKeepAlive(federation.hub)
            federation.watchForChanges()
        } else {
            services.append(ExternalProcessorService(processor: PassThroughProcessor(version: settings.version)))
        }
        if settings.enableTestServices { services.append(TestEchoService()) }
        let grpc = GRPCServer(services: services, maxReceiveMessageSize: settings.maxMessageBytes,
                              logger: Logger(component: "grpc"))
        var h2 = HTTP2Settings()
        h2.prefaceTimeoutSeconds = settings.requestTimeoutSeconds
        let grpcServer = HTTP2Server.make(address: settings.grpcListen, group: group, settings: h2, logger: Logger(component: "http2"),
                                          maxConnections: settings.maxConnections, handler: grpc)
        try grpcServer.start()
        self.grpcServer = grpcServer

        var serverStatus: (@Sendable () -> [UInt8])?
        var pins: AdminRoutes.PinEndpoints?
        if let federation {
            serverStatus = { federation.serverStatus() }
            pins = AdminRoutes.PinEndpoints(report: { PinReport.json(federation.store.snapshot.pinFindings) },
                                            approve: { federation.approvePins($0) })
        }
        let admin = AdminRoutes(health: health, mcp: streamEndpoint, protectedResource: protectedResource, metrics: metrics.registry,
                                ready: { [weak self] in self?.readiness() ?? (false, "starting") }, servers: serverStatus,
                                pins: pins)
        let adminServer = AdminServer.make(address: settings.adminListen, group: group, logger: Logger(component: "admin"),
                                           maxConnections: settings.maxConnections, requestTimeout: settings.requestTimeoutSeconds,
                                           handler: { admin.handle($0) })
        try adminServer.start()
        self.adminServer = adminServer

        health.setServing(true)
        logger.info("mcp-gateway started", [
            ("version", settings.version),
            ("grpc", settings.grpcListen.unixPath.map { "unix:\($0)" } ?? "\(settings.grpcListen.host):\(grpcServer.port)"),
            ("admin", settings.adminListen.unixPath.map { "unix:\($0)" } ?? "\(settings.adminListen.host):\(adminServer.port)"),
            ("threads", String(settings.threads)),
            ("mode", settings.configPath == nil ? "pass-through" : "mcp"),
        ])
    }

    /// Ready when gRPC is serving, the config is loaded and every server has been tried once.
    func readiness() -> (Bool, String) {
        guard health.isServing else { return (false, "not serving") }
        if let federation, !federation.isWarm { return (false, "catalog warming up") }
        // Still ready without Redis: requests are served with local rate limits (see SharedState).
        var notes: [String] = []
        if let shared = federation?.sharedState, !shared.isUp { notes.append("shared state unavailable: rate limits count locally, new backend sessions are per replica") }
        if let federation {
            let servers = ServerStatusReport.readinessDetail(config: federation.config, catalog: federation.store.snapshot)
            if !servers.isEmpty { notes.append(servers) }
        }
        return (true, notes.isEmpty ? "ready" : "ready (\(notes.joined(separator: "; ")))")
    }

    /// Re-reads the config file (SIGHUP); without one there is nothing to reload.
    public func reload(reason: String) {
        federation?.reload(reason: reason)
    }

    private func startKeepAlive(_ hub: NotificationHub) {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "keepalive"))
        timer.schedule(deadline: .now() + NotificationHub.keepAliveSeconds, repeating: NotificationHub.keepAliveSeconds)
        timer.setEventHandler { hub.keepAlive() }
        timer.resume()
        keepAliveTimer = timer
    }
    private var keepAliveTimer: DispatchSourceTimer?

    /// Drains: GOAWAY to every gRPC peer, open streams get up to `drainSeconds` to finish.
    public func shutdown() {
        logger.info("shutting down: draining connections", [("deadline_seconds", String(settings.drainSeconds))])
        health.setServing(false)
        federation?.stop()
        grpcServer?.shutdown(deadline: settings.drainSeconds)
        adminServer?.shutdown(deadline: 1)
        group?.stop()
        logger.info("stopped")
    }
}
