#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import AdminHTTP
import EnvoyServices
import GRPC
import HTTP2
import Logging

/// Wires the servers together and owns the process lifecycle: start, serve, drain on a signal.
final class Gateway: @unchecked Sendable {
    let options: GatewayOptions
    let logger = Logger(component: "gateway")
    let health = HealthStatus()
    private var group: EventLoopGroup?
    private var grpcServer: TCPServer?
    private var adminServer: TCPServer?

    init(options: GatewayOptions) {
        self.options = options
    }

    func start() throws {
        let group = try EventLoopGroup(threads: options.threads)
        self.group = group
        var services: [GRPCService] = [
            HealthService(status: health),
            ExternalProcessorService(processor: PassThroughProcessor(version: GatewayVersion.current)),
        ]
        if options.enableTestServices { services.append(TestEchoService()) }
        let grpc = GRPCServer(services: services, maxReceiveMessageSize: options.maxMessageBytes,
                              logger: Logger(component: "grpc"))
        let grpcServer = HTTP2Server.make(address: options.grpcListen, group: group, logger: Logger(component: "http2"), handler: grpc)
        try grpcServer.start()
        self.grpcServer = grpcServer

        let admin = AdminRoutes(health: health)
        let adminServer = AdminServer.make(address: options.adminListen, group: group, logger: Logger(component: "admin"),
                                           handler: { admin.handle($0) })
        try adminServer.start()
        self.adminServer = adminServer

        health.setServing(true)
        logger.info("mcp-gateway started", [
            ("version", GatewayVersion.current),
            ("grpc", "\(options.grpcListen.host):\(grpcServer.port)"),
            ("admin", "\(options.adminListen.host):\(adminServer.port)"),
            ("threads", String(options.threads)),
        ])
    }

    /// Blocks until SIGTERM or SIGINT, then drains: GOAWAY to every gRPC peer, open streams get
    /// up to `--drain-seconds` to finish, and the process exits 0.
    func waitForShutdownSignal() -> Int32 {
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let received = DispatchSemaphore(value: 0)
        let queue = DispatchQueue(label: "signals")
        let sources = [SIGTERM, SIGINT].map { sig -> DispatchSourceSignal in
            let s = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            s.setEventHandler { received.signal() }
            s.resume()
            return s
        }
        received.wait()
        logger.info("shutting down: draining connections", [("deadline_seconds", String(options.drainSeconds))])
        health.setServing(false)
        grpcServer?.shutdown(deadline: options.drainSeconds)
        adminServer?.shutdown(deadline: 1)
        group?.stop()
        _ = sources
        logger.info("stopped")
        return 0
    }
}
