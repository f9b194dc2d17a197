import Dispatch
import HTTPClient
import JSONWire
import Logging
import MCPGateway
import WorkPool
import Synchronization

/// Creates per-client backend sessions (an `initialize` round trip) off the event loops, for
/// `BackendSessionTable`, and ends them when the client session ends. With a shared store
/// (`sharedState.redis`) a local miss first looks there, on this same queue, so a session another
/// replica opened is adopted instead of opening a second one.
public struct BackendSessionFactory: Sendable {
    let store: CatalogStore
    let http: HTTPClient
    let version: String
    let shared: (any SharedSessionStore)?
    /// Told how each shared lookup was resolved (a metric).
    let onShared: @Sendable (SharedSessionOutcome) -> Void
    /// Opening, ending and notifying backend sessions block on the server: they run here, at most
    /// `maxPending` at once (SECURITY.md); past it a new session is refused with an error naming the
    /// server, an end or a notification is dropped and logged.
    private let pool = BlockingWorkPool(name: "backend-sessions", threads: 16, maxPending: 4096)
    private let inFlight = Counter()

    public init(store: CatalogStore, http: HTTPClient, version: String, shared: (any SharedSessionStore)? = nil,
                onShared: @escaping @Sendable (SharedSessionOutcome) -> Void = { _ in }) {
        self.store = store
        self.http = http
        self.version = version
        self.shared = shared
        self.onShared = onShared
    }

    /// The backend session for a request: adopted from the shared record, or opened here.
    public func create(_ request: BackendSessionRequest, completion: @escaping BackendSessionTable.Completion) {
        let submitted = pool.submit { [self] in
            guard request.shared, let shared else { return completion(open(request)) }
            let ttl = Int((request.expires - WallClock.unixSeconds()).rounded(.down))
            let (result, outcome) = SharedBackendSessions.resolve(
                store: shared, key: SharedBackendSessions.key(nonce: request.client.nonce, server: request.server), ttlSeconds: ttl,
                replacing: request.replacing, create: { open(request) }, end: { endNow(server: request.server, session: $0) })
            if let outcome { onShared(outcome) }
            completion(result)
        }
        if !submitted {
            completion(.failure(.serverUnavailable(request.server, "too many backend sessions are being opened; retry shortly")))
        }
    }

    /// Opens a backend session (blocking): the client's protocol version, capabilities and client
    /// info (so the server may send it elicitation, sampling and roots requests), and its
    /// `logging/setLevel` if it set one before this session existed.
    private func open(_ request: BackendSessionRequest) -> Result<String, JSONRPCError> {
        let name = request.server
        guard let server = store.config.server(named: name) else { return .failure(.serverUnavailable(name, "not configured")) }
        let client = MCPBackendClient(server: server, http: http, clientVersion: version)
        do throws(BackendError) {
            let session = try client.initialize(protocolVersion: request.client.protocolVersion, clientInit: request.client.clientInit)
            if let logLevel = request.logLevel {
                var w = JSONWriter()
                w.beginObject()
                w.key("jsonrpc"); w.string("2.0")
                w.key("id"); w.string("gateway-set-level")
                w.key("method"); w.string("logging/setLevel")
                w.key("params"); w.beginObject(); w.key("level"); w.string(logLevel); w.endObject()
                w.endObject()
                client.post(w.bytes,
                            session: session.id ?? "", protocolVersion: session.protocolVersion)
            }
            return .success(session.id ?? "")
        } catch {
            return .failure(.serverUnavailable(name, "could not open a session: \(error.problem)"))
        }
    }

    /// Sends one client message to each of these backend sessions (fan-out of a client's
    /// `notifications/cancelled`, `notifications/roots/list_changed`, `logging/setLevel`). At most
    /// `maxBroadcastsInFlight` sends run at once: a client looping on notifications cannot fill the
    /// queue that opens everyone's backend sessions; past it a send is dropped (and logged).
    public func broadcast(_ body: [UInt8], to sessions: [(server: String, session: String)], protocolVersion: String) {
        for (name, session) in sessions {
            guard inFlight.increment() <= Self.maxBroadcastsInFlight else {
                inFlight.decrement()
                Logger(component: "sessions").warning("client notification dropped: too many in flight", [("server", name)])
                continue
            }
            submitOrLog("client notification") { [store, http, version, inFlight] in
                defer { inFlight.decrement() }
                guard let server = store.config.server(named: name) else { return }
                MCPBackendClient(server: server, http: http, clientVersion: version).post(body, session: session, protocolVersion: protocolVersion)
            }
        }
    }

    static let maxBroadcastsInFlight = 64

    public func end(server name: String, session: String) {
        submitOrLog("end of a backend session") { [self] in endNow(server: name, session: session) }
    }

    /// Work nobody waits for: dropped, and logged, when the pool is full.
    private func submitOrLog(_ what: String, _ work: @escaping @Sendable () -> Void) {
        guard pool.submit(work) else {
            Logger(component: "sessions").warning("\(what) dropped: the backend-session pool is full", [("pending", String(pool.pendingCount))])
            return
        }
    }

    private func endNow(server name: String, session: String) {
        guard let server = store.config.server(named: name), !session.isEmpty else { return }
        MCPBackendClient(server: server, http: http, clientVersion: version).deleteSession(session, protocolVersion: ProtocolEra.latestHandshake)
    }
}

extension BackendSessionFactory: BackendSessionSharing {
    public func forgot(_ records: [(key: String, session: String)]) {
        guard let shared else { return }
        submitOrLog("shared session cleanup") { shared.forget(records) }
    }

    /// One round trip for every configured server's record (the client may have used servers
    /// only through other replicas); the sessions this replica did not know are ended here.
    public func ended(nonce: [UInt8], known: [(server: String, session: String)]) {
        guard let shared else { return }
        submitOrLog("shared session cleanup") { [self] in
            let servers = store.config.servers.map(\.name)
            let recorded = shared.take(servers.map { SharedBackendSessions.key(nonce: nonce, server: $0) })
            for (server, session) in zip(servers, recorded) {
                guard let session, !known.contains(where: { $0.server == server && $0.session == session }) else { continue }
                endNow(server: server, session: session)
            }
        }
    }
}

/// A shared count (the struct's copies share it).
final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    /// Adds one; returns the new count.
    func increment() -> Int { value.wrappingAdd(1, ordering: .relaxed).newValue }
    func decrement() { value.wrappingSubtract(1, ordering: .relaxed) }
}
