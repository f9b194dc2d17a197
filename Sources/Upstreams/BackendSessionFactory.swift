import Dispatch
import HTTPClient
import Logging
import MCPGateway
import Synchronization

/// Creates per-client backend sessions (an `initialize` round trip) off the event loops, for
/// `BackendSessionTable`, and ends them when the client session ends.
public struct BackendSessionFactory: Sendable {
    let store: CatalogStore
    let http: HTTPClient
    let version: String
    private let queue = DispatchQueue(label: "backend-sessions", attributes: .concurrent)
    private let inFlight = Counter()

    public init(store: CatalogStore, http: HTTPClient, version: String) {
        self.store = store
        self.http = http
        self.version = version
    }

    /// Opens a backend session for `clientSession`: the client's protocol version, capabilities
    /// and client info (so the server may send it elicitation, sampling and roots requests), and
    /// its `logging/setLevel` if it set one before this session existed.
    public func create(server name: String, client clientSession: ClientSession, logLevel: String?,
                       completion: @escaping BackendSessionTable.Completion) {
        queue.async { [store, http, version] in
            guard let server = store.config.server(named: name) else {
                completion(.failure(.serverUnavailable(name, "not configured")))
                return
            }
            let client = MCPBackendClient(server: server, http: http, clientVersion: version)
            do throws(BackendError) {
                let session = try client.initialize(protocolVersion: clientSession.protocolVersion, clientInit: clientSession.clientInit)
                if let logLevel {
                    client.post(Array("{\"jsonrpc\":\"2.0\",\"id\":\"gateway-set-level\",\"method\":\"logging/setLevel\",\"params\":{\"level\":\(JSONText.string(logLevel))}}".utf8),
                                session: session.id ?? "", protocolVersion: session.protocolVersion)
                }
                completion(.success(session.id ?? ""))
            } catch {
                completion(.failure(.serverUnavailable(name, "could not open a session: \(error.problem)")))
            }
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
            queue.async { [store, http, version, inFlight] in
                defer { inFlight.decrement() }
                guard let server = store.config.server(named: name) else { return }
                MCPBackendClient(server: server, http: http, clientVersion: version).post(body, session: session, protocolVersion: protocolVersion)
            }
        }
    }

    static let maxBroadcastsInFlight = 64

    public func end(server name: String, session: String) {
        queue.async { [store, http, version] in
            guard let server = store.config.server(named: name), !session.isEmpty else { return }
            MCPBackendClient(server: server, http: http, clientVersion: version)
                .deleteSession(session, protocolVersion: ProtocolEra.latestHandshake)
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
