#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Logging
import Synchronization

/// A connection a `TCPServer` accepted: it can be asked to drain or to go at once.
public protocol ServerConnection: FileDescriptorHandler {
    func start() throws
    /// Stop taking new requests, finish the open ones, then close.
    func beginGracefulShutdown()
    func forceClose()
}

/// Makes the connection object for an accepted socket (on the loop that will own it).
public typealias ConnectionFactory = @Sendable (_ fd: Int32, _ loop: EventLoop, _ onClose: @escaping (ServerConnection) -> Void) -> ServerConnection

/// Accepts TCP connections on one listening socket and spreads them over the group's loops.
///
/// Every loop watches the listening socket with EPOLLEXCLUSIVE, so the kernel wakes one loop per
/// incoming connection and that loop owns the connection for its whole life.
public final class TCPServer: @unchecked Sendable {
    public let address: ListenAddress
    public private(set) var port: UInt16 = 0
    private let group: EventLoopGroup
    private let factory: ConnectionFactory
    private let logger: Logger
    private var listenFD: Int32 = -1
    private var acceptors: [Acceptor] = []
    /// Per-loop registries of live connections, touched only on their loop.
    private var registries: [ConnectionRegistry] = []
    private let openConnections = Atomic<Int>(0)
    /// Connections held at once; past it a new connection is closed as soon as it is accepted (the
    /// peer sees a reset, not a hang), so idle connections cannot exhaust descriptors.
    public let maxConnections: Int
    private let refused = Atomic<Int>(0)

    public init(address: ListenAddress, group: EventLoopGroup, logger: Logger, maxConnections: Int = Int.max,
                factory: @escaping ConnectionFactory) {
        self.address = address
        self.group = group
        self.factory = factory
        self.logger = logger
        self.maxConnections = maxConnections
    }

    /// Connections closed at once because `maxConnections` were open.
    public var refusedConnections: Int { refused.load(ordering: .relaxed) }

    public var connectionCount: Int { openConnections.load(ordering: .relaxed) }

    public func start() throws {
        let (fd, boundPort) = try Socket.listen(address)
        listenFD = fd
        port = boundPort
        registries = group.loops.map { _ in ConnectionRegistry() }
        acceptors = zip(group.loops, registries).map { loop, registry in
            Acceptor(listenFD: fd, loop: loop, registry: registry, server: self)
        }
        let errors = Mutex<[Error]>([])
        for acceptor in acceptors {
            let done = Atomic<Bool>(false)
            acceptor.loop.enqueue {
                do { try acceptor.loop.register(fd: fd, handler: acceptor, exclusive: true) }
                catch { errors.withLock { $0.append(error) } }
                done.store(true, ordering: .releasing)
            }
            while !done.load(ordering: .acquiring) { usleep(200) }
        }
        if let first = errors.withLock({ $0.first }) { throw first }
    }

    /// Stops accepting, asks every connection to drain, and force-closes what remains after
    /// `deadline` seconds. Blocks the calling (non-loop) thread until all connections are gone.
    public func shutdown(deadline: Double) {
        for (acceptor, registry) in zip(acceptors, registries) {
            acceptor.loop.enqueue { [self] in
                acceptor.stop()
                acceptor.loop.deregister(fd: listenFD)
                for conn in registry.connections.values { conn.beginGracefulShutdown() }
            }
        }
        let until = MonotonicClock.now() + deadline
        while connectionCount > 0 && MonotonicClock.now() < until { usleep(10_000) }
        if connectionCount > 0 {
            logger.warning("drain deadline passed, closing remaining connections", [("count", String(connectionCount))])
            for (acceptor, registry) in zip(acceptors, registries) {
                acceptor.loop.enqueue {
                    for conn in registry.connections.values { conn.forceClose() }
                }
            }
            let hard = MonotonicClock.now() + 2
            while connectionCount > 0 && MonotonicClock.now() < hard { usleep(10_000) }
        }
        if listenFD >= 0 { close(listenFD); listenFD = -1 }
    }

    /// Logged at most once a second across all loops: under fd exhaustion every loop pauses often.
    private let lastPauseLog = Atomic<Int>(0)

    fileprivate func acceptPaused(_ error: String, seconds: Double) {
        let now = Int(MonotonicClock.now())
        let last = lastPauseLog.load(ordering: .relaxed)
        guard now > last, lastPauseLog.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged else { return }
        logger.warning(seconds > 0 ? "accept failing: pausing accepts" : "could not watch the listening socket again",
                       [("address", address.description), ("error", error),
                        ("pause_seconds", String(seconds)), ("open_connections", String(connectionCount))])
    }

    fileprivate func accepted(fd: Int32, loop: EventLoop, registry: ConnectionRegistry) {
        guard openConnections.load(ordering: .relaxed) < maxConnections else {
            close(fd)
            let n = refused.wrappingAdd(1, ordering: .relaxed).newValue
            if n == 1 || n % 1000 == 0 {
                logger.warning("connection limit reached: closing new connections", [("address", address.description),
                                                                                   ("limit", String(maxConnections)), ("refused", String(n))])
            }
            return
        }
        openConnections.add(1, ordering: .relaxed)
        let conn = factory(fd, loop) { [weak self, registry] conn in
            registry.connections[ObjectIdentifier(conn)] = nil
            self?.openConnections.subtract(1, ordering: .relaxed)
        }
        registry.connections[ObjectIdentifier(conn)] = conn
        do {
            try conn.start()
        } catch {
            logger.error("could not start connection", [("error", "\(error)")])
            conn.forceClose()
        }
    }
}

/// Loop-confined: only its own loop thread touches it.
final class ConnectionRegistry: @unchecked Sendable {
    var connections: [ObjectIdentifier: ServerConnection] = [:]
}

/// Loop-confined: only its own loop thread calls it.
private final class Acceptor: FileDescriptorHandler, @unchecked Sendable {
    let listenFD: Int32
    let loop: EventLoop
    let registry: ConnectionRegistry
    unowned let server: TCPServer

    init(listenFD: Int32, loop: EventLoop, registry: ConnectionRegistry, server: TCPServer) {
        self.listenFD = listenFD
        self.loop = loop
        self.registry = registry
        self.server = server
    }

    /// Set while accepting is paused (out of descriptors), or for good once the server stops.
    private var paused = false
    private var stopped = false
    private var resume: TimerID?

    func readable() {
        for _ in 0..<64 {
            let fd = clinux_accept_nonblocking(listenFD)
            if fd >= 0 {
                Socket.setNoDelay(fd)
                server.accepted(fd: fd, loop: loop, registry: registry)
                continue
            }
            let code = errno
            switch AcceptErrorPolicy.action(forErrno: code) {
            case .waitForEvent: return
            case .acceptNext: continue
            case .pause(let seconds):
                pause(seconds, errno: code)
                return
            }
        }
    }

    /// Stops watching the listening socket (it is level-triggered: watching it while accept fails
    /// would spin this loop) and watches it again after `seconds`.
    private func pause(_ seconds: Double, errno code: Int32) {
        guard !paused, !stopped else { return }
        paused = true
        loop.deregister(fd: listenFD)
        server.acceptPaused(String(cString: strerror(code)), seconds: seconds)
        resume = loop.schedule(after: seconds) { [self] in
            resume = nil
            paused = false
            guard !stopped else { return }
            do { try loop.register(fd: listenFD, handler: self, exclusive: true) }
            catch { server.acceptPaused("\(error)", seconds: 0) }
        }
    }

    /// The server is shutting down: never watch the listening socket again.
    func stop() {
        stopped = true
        if let resume { loop.cancel(resume) }
        resume = nil
    }

    func writable() {}
    func hangup() {}
}
