import HTTPClient
import Logging
import MCPGateway
import Synchronization

/// Delivers a handshake-era client's subscriptions to 2026-07-28-only servers' resources
/// (`BridgedSubscriptions`) on its GET stream.
///
/// While the client's GET stream is open, the gateway holds one `subscriptions/listen` per such
/// server with `resourceSubscriptions` = the session's URIs there (`ServerStreams.listenForResources`,
/// counted in `limits.maxServerStreams`); each update reaches the stream as
/// `notifications/resources/updated` with the federated URI. A subscribe or unsubscribe while it
/// is open re-opens that server's listen with the new set (none once the set is empty). Only the
/// session's latest GET stream gets them, as for the servers' own streams (`ServerStreams`).
/// There is no replay: an update in the instant a listen is re-opened can be missed, as with any
/// re-listen in 2026-07-28 (clients refetch).
public final class BridgedSubscriptionListens: Sendable {
    struct Listener: Sendable {
        let token: UInt64
        let send: @Sendable ([UInt8]) -> Void
        var handles: [String: HTTPStreamHandle]
    }

    let streams: ServerStreams
    let subscriptions: BridgedSubscriptions
    let clientInfo: String
    /// Client session nonce → its GET stream's listens.
    private let listeners = Mutex<[[UInt8]: Listener]>([:])
    private let nextToken = Atomic<UInt64>(1)
    private let logger = Logger(component: "subscriptions")

    /// `clientInfo`: the gateway's own, JSON (the listens are the gateway's).
    public init(streams: ServerStreams, subscriptions: BridgedSubscriptions, clientInfo: String) {
        self.streams = streams
        self.subscriptions = subscriptions
        self.clientInfo = clientInfo
        subscriptions.onChange { [weak self] client, server in self?.changed(client: client, server: server) }
    }

    /// The client's GET stream opened: listen for what the session subscribed to. Returns the
    /// token to `detach` with when the stream closes.
    public func attach(client: ClientSession, send: @escaping @Sendable ([UInt8]) -> Void) -> UInt64 {
        let token = nextToken.wrappingAdd(1, ordering: .relaxed).newValue
        let replaced = listeners.withLock { table -> Listener? in
            let old = table[client.nonce]
            var listener = Listener(token: token, send: send, handles: [:])
            for server in subscriptions.set(client: client.nonce).servers {
                listener.handles[server] = open(client.nonce, server, send)
            }
            table[client.nonce] = listener
            return old
        }
        for handle in replaced?.handles.values ?? [:].values { handle.cancel() }
        return token
    }

    /// The client's GET stream closed: its listens end.
    public func detach(client: ClientSession, token: UInt64) {
        let gone = listeners.withLock { table -> Listener? in
            guard table[client.nonce]?.token == token else { return nil }
            return table.removeValue(forKey: client.nonce)
        }
        for handle in gone?.handles.values ?? [:].values { handle.cancel() }
    }

    /// The session's URIs on `server` changed: re-open that listen with the current set (read
    /// under this lock, so the last change wins), or end it.
    func changed(client nonce: [UInt8], server: String) {
        listeners.withLock { table in
            guard var listener = table[nonce] else { return }
            listener.handles.removeValue(forKey: server)?.cancel()
            listener.handles[server] = open(nonce, server, listener.send)
            table[nonce] = listener
        }
    }

    private func open(_ nonce: [UInt8], _ server: String, _ send: @escaping @Sendable ([UInt8]) -> Void) -> HTTPStreamHandle? {
        let uris = subscriptions.set(client: nonce).uris(on: server)
        guard !uris.isEmpty else { return nil }
        let handle = streams.listenForResources(server: server, uris: uris, clientInfo: clientInfo,
                                                frame: { BridgedSubscriptions.updated(server: $0, uri: $1) }, send: send)
        if handle == nil {
            logger.warning("resource updates not delivered: limits.maxServerStreams reached", [("server", server)])
        }
        return handle
    }
}
