import Dispatch
import HTTPClient
import MCPGateway

/// Creates per-client backend sessions (an `initialize` round trip) off the event loops, for
/// `BackendSessionTable`, and ends them when the client session ends.
public struct BackendSessionFactory: Sendable {
    let store: CatalogStore
    let http: HTTPClient
    let version: String
    private let queue = DispatchQueue(label: "backend-sessions", attributes: .concurrent)

    public init(store: CatalogStore, http: HTTPClient, version: String) {
        self.store = store
        self.http = http
        self.version = version
    }

    public func create(server name: String, completion: @escaping BackendSessionTable.Completion) {
        queue.async { [store, http, version] in
            guard let server = store.config.server(named: name) else {
                completion(.failure(.serverUnavailable(name, "not configured")))
                return
            }
            let client = MCPBackendClient(server: server, http: http, clientVersion: version)
            do throws(BackendError) {
                let session = try client.initialize()
                completion(.success(session.id ?? ""))
            } catch {
                completion(.failure(.serverUnavailable(name, "could not open a session: \(error.problem)")))
            }
        }
    }

    public func end(server name: String, session: String) {
        queue.async { [store, http, version] in
            guard let server = store.config.server(named: name), !session.isEmpty else { return }
            MCPBackendClient(server: server, http: http, clientVersion: version)
                .deleteSession(session, protocolVersion: ProtocolEra.latestHandshake)
        }
    }
}
