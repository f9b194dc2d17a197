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
import TokenAuth
import Upstreams

/// Wires the servers together and owns the process lifecycle: start, serve, drain on a signal.
final class Gateway: @unchecked Sendable {
    let options: GatewayOptions
    let logger = Logger(component: "gateway")
    let health = HealthStatus()
    private var group: EventLoopGroup?
    private var grpcServer: TCPServer?
    private var adminServer: TCPServer?
    private var federation: Federation?
    private let metrics = GatewayMetrics(version: GatewayVersion.current)

    init(options: GatewayOptions) {
        self.options = options
    }

    func start() throws {
        let group = try EventLoopGroup(threads: options.threads)
        self.group = group
        var services: [GRPCService] = [HealthService(status: health)]
        var streamEndpoint: MCPStreamEndpoint?
        var protectedResource: ProtectedResourceMetadata?
        if let path = options.configPath {
            let federation = try Federation(configPath: path, metrics: metrics)
            self.federation = federation
            services.append(ExternalProcessorService(processor: MCPProcessor(context: federation.context)))
            services.append(AccessLogService(context: federation.context))
            let context = federation.context
            streamEndpoint = MCPStreamEndpoint(path: federation.config.mcpPath, hub: federation.hub, router: { context.router },
                                               relay: federation.relay, serverStreams: federation.serverStreams,
                                               backendSessions: { context.backendSessions.sessions(client: $0) },
                                               catalog: { context.catalog.snapshot }, bridge: federation.bridge,
                                               subscriptionListens: federation.subscriptionListens)
            if let auth = federation.config.auth {
                services.append(try makeAuthorizationService(auth, context: federation.context))
                protectedResource = ProtectedResourceMetadata(config: auth)
            }
            startKeepAlive(federation.hub)
            federation.watchForChanges()
        } else {
            services.append(ExternalProcessorService(processor: PassThroughProcessor(version: GatewayVersion.current)))
        }
        if options.enableTestServices { services.append(TestEchoService()) }
        let grpc = GRPCServer(services: services, maxReceiveMessageSize: options.maxMessageBytes,
                              logger: Logger(component: "grpc"))
        var h2 = HTTP2Settings()
        h2.prefaceTimeoutSeconds = options.requestTimeoutSeconds
        let grpcServer = HTTP2Server.make(address: options.grpcListen, group: group, settings: h2, logger: Logger(component: "http2"),
                                          maxConnections: options.maxConnections, handler: grpc)
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
        let adminServer = AdminServer.make(address: options.adminListen, group: group, logger: Logger(component: "admin"),
                                           maxConnections: options.maxConnections, requestTimeout: options.requestTimeoutSeconds,
                                           handler: { admin.handle($0) })
        try adminServer.start()
        self.adminServer = adminServer

        health.setServing(true)
        logger.info("mcp-gateway started", [
            ("version", GatewayVersion.current),
            ("grpc", options.grpcListen.unixPath.map { "unix:\($0)" } ?? "\(options.grpcListen.host):\(grpcServer.port)"),
            ("admin", options.adminListen.unixPath.map { "unix:\($0)" } ?? "\(options.adminListen.host):\(adminServer.port)"),
            ("threads", String(options.threads)),
            ("mode", options.configPath == nil ? "pass-through" : "mcp"),
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

    /// ext_authz: JWT keys from a file or URL, Kubernetes TokenReview, one shared cache.
    private func makeAuthorizationService(_ auth: AuthConfig, context: MCPProcessorContext) throws -> AuthorizationService {
        var jwks: JWKSSource?
        if let jwt = auth.jwt {
            let http = HTTPClient(configuration: HTTPClient.Configuration(tls: TLSConfiguration(caFile: jwt.caFile)))
            jwks = JWKSSource(minRefreshInterval: jwt.minRefreshSeconds, clock: { WallClock.unixSeconds() }) {
                if let file = jwt.jwksFile {
                    guard let bytes = FileSystem.read(file) else { throw ConfigError(field: "auth.jwt.jwksFile", "cannot read \(file)") }
                    return bytes
                }
                let response = try http.send(try HTTPRequest(method: "GET", url: jwt.jwksURL!), timeout: 5)
                guard response.status == 200 else { throw ConfigError(field: "auth.jwt.jwksURL", "HTTP \(response.status)") }
                return response.body
            }
            if jwks?.refresh(force: true) == false {
                logger.warning("JWKS not loaded yet; will retry on the first token", [("error", jwks?.lastError ?? "")])
            }
        }
        let reviewer = auth.kubernetes.map { KubernetesTokenReviewer(config: $0, readFile: FileSystem.read) }
        let authenticator = Authenticator(config: auth, jwks: jwks, reviewer: reviewer, clock: { WallClock.unixSeconds() })
        logger.info("authentication on", [("kubernetes", String(auth.kubernetes != nil)), ("jwt", String(auth.jwt != nil))])
        let governance = context.observer as? AuthObserver ?? NoAuthObserver()
        // One admission (one review cache) for both placements: ext_authz's Check, and ext_proc's
        // headers message when Envoy runs no ext_authz (the shipped envoy.yaml).
        let admission = CallerAdmission(authenticator: authenticator, config: auth, policy: { context.router.config.policy },
                                        observer: governance)
        context.authenticateCallers(with: admission)
        return AuthorizationService(admission: admission)
    }

    private func startKeepAlive(_ hub: NotificationHub) {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "keepalive"))
        timer.schedule(deadline: .now() + 15, repeating: 15)
        timer.setEventHandler { hub.keepAlive() }
        timer.resume()
        keepAliveTimer = timer
    }
    private var keepAliveTimer: DispatchSourceTimer?

    /// Blocks until SIGTERM or SIGINT, then drains: GOAWAY to every gRPC peer, open streams get
    /// up to `--drain-seconds` to finish, and the process exits 0.
    func waitForShutdownSignal() -> Int32 {
        let signal = ProcessSignals.waitForTermination()
        logger.info("received \(signal == SIGTERM ? "SIGTERM" : "SIGINT")")
        logger.info("shutting down: draining connections", [("deadline_seconds", String(options.drainSeconds))])
        health.setServing(false)
        federation?.stop()
        grpcServer?.shutdown(deadline: options.drainSeconds)
        adminServer?.shutdown(deadline: 1)
        group?.stop()
        logger.info("stopped")
        return 0
    }
}
