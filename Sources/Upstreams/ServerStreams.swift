import Foundation
import HTTPClient
import JSONWire
import MCPGateway
import Synchronization

/// Merges each client's backend sessions' standalone event streams (GET) into the client's own
/// `GET /mcp` stream, so what a server sends outside any call (server→client requests,
/// `resources/updated`, log messages) reaches the client as it would directly.
///
/// While a client has a GET stream open, the gateway holds one GET stream on each of the
/// client's backend sessions, including ones opened later. Each holds a thread (the HTTP client
/// blocks); the total is capped (`limits.maxServerStreams`). A server stream that ends is re-opened
/// after a pause while the client's stream lasts; one the server refuses (405: no standalone
/// stream, 404: session gone) is not.
public final class ServerStreams: Sendable {
    struct Listener: Sendable {
        let client: ClientSession
        let signer: SessionSigner
        let send: @Sendable ([UInt8]) -> Void
        var handles: [String: HTTPStreamHandle]
    }

    let http: HTTPClient
    let store: CatalogStore
    /// Client session nonce → its listening GET stream (the latest one: the spec lets a server
    /// send each message on one stream only).
    private let listeners = Mutex<[[UInt8]: (token: UInt64, listener: Listener)]>([:])
    /// Server streams held (GET streams and listens, bridged ones too: `limits.maxServerStreams`).
    let open = Atomic<Int>(0)
    private let nextToken = Atomic<UInt64>(1)

    public init(http: HTTPClient, store: CatalogStore) {
        self.http = http
        self.store = store
    }

    /// Server streams held now.
    public var count: Int { open.load(ordering: .relaxed) }

    /// Takes one of `limits.maxServerStreams` for a stream about to open; false when none is left.
    /// The stream's thread gives it back when it ends.
    func reserveStream() -> Bool {
        guard open.wrappingAdd(1, ordering: .relaxed).newValue <= store.config.limits.maxServerStreams else {
            open.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// A client opened its GET stream: listen on each of its backend sessions. Returns the token
    /// to `detach` with when the client's stream closes.
    public func attach(client: ClientSession, signer: SessionSigner, existing: [(server: String, session: String)],
                       send: @escaping @Sendable ([UInt8]) -> Void) -> UInt64 {
        let token = nextToken.wrappingAdd(1, ordering: .relaxed).newValue
        let replaced = listeners.withLock { table -> Listener? in
            let old = table[client.nonce]?.listener
            table[client.nonce] = (token, Listener(client: client, signer: signer, send: send, handles: [:]))
            return old
        }
        for handle in replaced?.handles.values ?? [:].values { handle.cancel() }
        for (server, session) in existing { listen(client: client, server: server, session: session, token: token) }
        return token
    }

    /// The client's GET stream closed: stop listening for it.
    public func detach(client: ClientSession, token: UInt64) {
        let gone = listeners.withLock { table -> Listener? in
            guard table[client.nonce]?.token == token else { return nil }
            return table.removeValue(forKey: client.nonce)?.listener
        }
        for handle in gone?.handles.values ?? [:].values { handle.cancel() }
    }

    /// A backend session was opened for a client: listen on it too if the client is listening.
    public func backendSessionOpened(client: ClientSession, server: String, session: String) {
        guard let token = listeners.withLock({ $0[client.nonce]?.token }) else { return }
        listen(client: client, server: server, session: session, token: token)
    }

    private func listen(client: ClientSession, server name: String, session: String, token: UInt64) {
        guard !session.isEmpty, let server = store.config.server(named: name) else { return }
        let handle = HTTPStreamHandle()
        let listener: Listener? = listeners.withLock { table in
            guard var entry = table[client.nonce], entry.token == token else { return nil }
            entry.listener.handles[name]?.cancel()
            entry.listener.handles[name] = handle
            table[client.nonce] = entry
            return entry.listener
        }
        guard let listener, reserveStream() else { return }
        let thread = Thread { [self] in
            defer { open.wrappingSubtract(1, ordering: .relaxed) }
            var headers: [(String, String)] = [("accept", "text/event-stream"), ("mcp-protocol-version", client.protocolVersion),
                                               ("mcp-session-id", session)]
            if let c = server.credential { headers.append((c.header, c.value)) }
            guard let request = try? HTTPRequest(method: "GET", url: server.url, headers: headers) else { return }
            let pump = ServerEventPump(http: http, rewriter: ServerMessageRewriter(server: name, backendSession: session, client: client,
                                                                                    signer: listener.signer),
                                       send: listener.send, maxJSONBytes: 0)
            var failures = 0
            while !handle.isCancelled {
                switch pump.run(request, headTimeout: server.timeoutSeconds, idleTimeout: nil, handle: handle) {
                case .status(let status) where status == 404 || status == 405 || status == 400:
                    return  // no standalone stream on this session (or the session is gone)
                case .ended:
                    failures = 0
                case .status, .failed:
                    failures += 1
                }
                Self.pauseBeforeReopening(failures: failures, handle: handle)
            }
        }
        thread.name = "server-stream-\(name)"
        thread.start()
    }

    /// A 2026-07-28 client's `subscriptions/listen` asked for resources of `server`: hold a
    /// listen on that server for those URIs and hand each `resources/updated` to `send`, stamped
    /// with the client's subscription id and the federated URI. Returns the handle that ends it,
    /// or nil when the server-stream cap is reached.
    public func listenForResources(_ filter: ListenFilter, server name: String, uris: [String], clientInfo: String,
                                   send: @escaping @Sendable ([UInt8]) -> Void) -> HTTPStreamHandle? {
        listenForResources(server: name, uris: uris, clientInfo: clientInfo, frame: { filter.resourceUpdated(server: $0, uri: $1) }, send: send)
    }

    /// Holds a `subscriptions/listen` on a 2026-07-28 server for its own `uris` (re-opened after a
    /// pause if the server drops it) and hands each `resources/updated` for them to `send` as
    /// `frame(server, uri)` renders it for the subscriber. Nothing reaches `send` once the handle
    /// is cancelled. Counts against `limits.maxServerStreams`; nil when that is reached.
    public func listenForResources(server name: String, uris: [String], clientInfo: String,
                                   frame: @escaping @Sendable (_ server: String, _ uri: String) -> [UInt8],
                                   send: @escaping @Sendable ([UInt8]) -> Void) -> HTTPStreamHandle? {
        guard let server = store.config.server(named: name), reserveStream() else { return nil }
        let handle = HTTPStreamHandle()
        let wanted = Set(uris)
        let thread = Thread { [self] in
            defer { open.wrappingSubtract(1, ordering: .relaxed) }
            let body = Self.listenBody(uris: uris, clientInfo: clientInfo)
            var headers: [(String, String)] = [("accept", "application/json, text/event-stream"), ("content-type", "application/json"),
                                               ("mcp-protocol-version", ProtocolEra.latestModern), ("mcp-method", "subscriptions/listen")]
            if let c = server.credential { headers.append((c.header, c.value)) }
            guard let request = try? HTTPRequest(method: "POST", url: server.url, headers: headers, body: body) else { return }
            // A frame parsed just as the listen is replaced (an unsubscribe) must not reach the client.
            let live: @Sendable ([UInt8]) -> Void = { bytes in if !handle.isCancelled { send(bytes) } }
            var failures = 0
            while !handle.isCancelled {
                var parser = SSEParser()
                var status = 0
                _ = try? http.stream(request, connectTimeout: server.timeoutSeconds, handle: handle,
                                     onHead: { head in status = head.status; return head.status == 200 },
                                     onBody: { chunk in
                                         Self.relayUpdates(chunk, &parser, frame, server: name, only: wanted, send: live) && !handle.isCancelled
                                     })
                guard Self.pauseBeforeReopening(after: status, failures: &failures, handle: handle) else { return }
            }
        }
        thread.name = "listen-\(name)"
        thread.start()
        return handle
    }

    /// Waits before a server stream is opened again: longer while it keeps failing (0.5 s doubling
    /// to 30 s), and not at all once the client has left.
    static func pauseBeforeReopening(failures: Int, handle: HTTPStreamHandle) {
        let until = Date().addingTimeInterval(min(30.0, 0.5 * Double(1 << min(failures, 6))))
        while !handle.isCancelled && Date() < until { Thread.sleep(forTimeInterval: 0.1) }
    }
}

extension ServerStreams {
    /// The gateway's own `subscriptions/listen` to a 2026-07-28 server for resource updates:
    /// the envelope with `clientInfo` (a JSON object, spliced), and the URIs.
    static func listenBody(uris: [String], clientInfo: String) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("jsonrpc"); w.string("2.0")
        w.key("id"); w.string("gateway-listen")
        w.key("method"); w.string("subscriptions/listen")
        w.key("params"); w.beginObject()
        w.key("_meta"); w.beginObject()
        w.key("io.modelcontextprotocol/protocolVersion"); w.string(ProtocolEra.latestModern)
        w.key("io.modelcontextprotocol/clientCapabilities"); w.beginObject(); w.endObject()
        w.key("io.modelcontextprotocol/clientInfo"); w.raw(clientInfo)
        w.endObject()
        w.key("notifications"); w.beginObject()
        w.key("resourceSubscriptions"); w.strings(uris)
        w.endObject()
        w.endObject()
        w.endObject()
        return w.bytes
    }

    /// `{"uri": …}` (`resources/subscribe`).
    static func uriParams(_ uri: String) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject(); w.key("uri"); w.string(uri); w.endObject()
        return w.bytes
    }
}
