import AdminHTTP
import HTTPClient
import JSONWire
import Logging
import MCPGateway
import Upstreams

/// `GET /mcp` (handshake era) and `POST /mcp` `subscriptions/listen` (2026-07-28), reached
/// through Envoy after ext_proc checked the request; the session is verified again here so the
/// port is no shortcut around the gateway.
struct MCPStreamEndpoint: Sendable {
    let path: String
    let hub: NotificationHub
    let router: @Sendable () -> MCPRouter
    /// Relays calls of clients that accept server→client requests (ext_proc sends them here with a ticket).
    let relay: CallRelay?
    /// The client's backend sessions' own GET streams, merged into its GET stream.
    let serverStreams: ServerStreams?
    let backendSessions: @Sendable (ClientSession) -> [(server: String, session: String)]
    let catalog: @Sendable () -> CatalogSnapshot
    /// This gateway's version, as it introduces itself to MCP servers.
    let version: String
    /// Open streams per session and per identity (`limits.maxStreamsPerSession`/`…PerIdentity`).
    let quota = StreamQuota()
    /// Serves 2026-07-28 calls of handshake-era-only servers (ext_proc sends them here with a ticket).
    var bridge: CallBridge? = nil
    /// Listens for a handshake-era session's subscriptions to 2026-07-28-only servers' resources.
    var subscriptionListens: BridgedSubscriptionListens? = nil

    /// A virtual server's path (`virtualServers[]`): its event streams are served here too.
    func servesVirtualServer(at path: String) -> Bool {
        let config = router().config
        guard !config.virtualServers.isEmpty else { return false }
        return config.virtualServer(at: path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path) != nil
    }

    /// The gateway's `clientInfo` object (raw JSON) when it listens to servers itself.
    static func clientInfo(version: String) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.key("name"); w.string("mcp-gateway")
        w.key("version"); w.string(version)
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    static let sseHeaders = [("content-type", "text/event-stream"), ("cache-control", "no-cache, no-transform"),
                             ("x-accel-buffering", "no")]

    func handle(_ request: AdminRequest) -> AdminResult {
        let head = MCPRequestHead(method: request.method, path: path, sessionID: request.header("mcp-session-id"),
                                  protocolVersion: request.header("mcp-protocol-version"), mcpMethod: request.header("mcp-method"),
                                  accept: request.header("accept"), identityDigest: request.header("x-mcp-identity-digest") ?? "")
        let router = router()
        if request.method == "GET" {
            guard let decision = router.route(head: head) else { return error(405, "use GET or subscriptions/listen") }
            switch decision {
            case .stream(let plan):
                let ticket: StreamQuota.Ticket
                switch admit(plan.session, head, router) {
                case .failure(let refused): return Self.refusal(refused, era: head.era)
                case .success(let t): ticket = t
                }
                return .stream(status: 200, headers: Self.sseHeaders) { [serverStreams, backendSessions, quota, subscriptionListens] stream in
                    stream.onClose { quota.release(ticket) }
                    hub.openLegacyStream(stream)
                    if let subscriptionListens, let session = plan.session {
                        let token = subscriptionListens.attach(client: session, send: { stream.send($0) })
                        stream.onClose { subscriptionListens.detach(client: session, token: token) }
                    }
                    guard let serverStreams, let session = plan.session else { return }
                    let token = serverStreams.attach(client: session, signer: router.signer, existing: backendSessions(session),
                                                     send: { stream.send($0) })
                    stream.onClose { serverStreams.detach(client: session, token: token) }
                }
            case .reply(let local):
                return .response(AdminResponse(status: local.status, contentType: local.contentType, bytes: local.body))
            case .forward, .gather:
                return error(500, "unexpected decision for a GET")
            }
        }
        if request.method == "POST", let ticket = request.header(RelayTicket.header) {
            if head.era == .modern { return bridgeCall(request, head: head, ticket: ticket, router: router) }
            return relayCall(request, head: head, ticket: ticket, router: router)
        }
        guard request.method == "POST", let parsed = try? JSONRPCRequest(parsing: request.body[...]),
              parsed.method == "subscriptions/listen" else {
            return error(400, "this endpoint serves GET streams and subscriptions/listen only")
        }
        // Resource subscriptions only on servers the caller may use (ext_proc names them when a
        // policy restricts the caller).
        let allowed = request.header("x-mcp-servers-allowed").map { Set($0.split(separator: ",").map(String.init)) }
        let filter = ListenFilter(parsed, catalog: catalog(), grants: allowed.map { AccessPolicy.Grants.servers($0) } ?? .everything)
        // For servers that speak only the handshake era: the listener's envelope opens their session.
        let listenerFacts = (try? ModernCall(parsing: request.body))?.clientInit ?? []
        let ticket: StreamQuota.Ticket
        switch admit(nil, head, router) {
        case .failure(let refused): return Self.refusal(refused, era: head.era)
        case .success(let t): ticket = t
        }
        return .stream(status: 200, headers: Self.sseHeaders) { [serverStreams, quota] stream in
            stream.onClose { quota.release(ticket) }
            hub.openListenStream(stream, filter: filter)
            guard let serverStreams else { return }
            var handles: [HTTPStreamHandle] = []
            let speaksModern = catalog()
            for (server, uris) in filter.resources {
                let h = speaksModern.speaks(.modern, server: server)
                    ? serverStreams.listenForResources(filter, server: server, uris: uris, clientInfo: Self.clientInfo(version: version), send: { stream.send($0) })
                    : serverStreams.listenOnHandshakeSession(filter, server: server, uris: uris, clientInit: listenerFacts,
                                                             version: version, send: { stream.send($0) })
                if let h { handles.append(h) }
            }
            let all = handles
            stream.onClose { for h in all { h.cancel() } }
        }
    }

    /// A call ext_proc decided to relay: the ticket must have been sealed for this session and
    /// this body (so the port is no shortcut around ext_proc's checks), then the call runs on a
    /// relay thread and its events stream back as they come.
    private func relayCall(_ request: AdminRequest, head: MCPRequestHead, ticket text: String, router: MCPRouter) -> AdminResult {
        guard let relay else { return error(404, "this gateway relays no calls") }
        let session: ClientSession
        switch router.verifiedSession(head) {
        case .failure(let e): return .response(AdminResponse(status: e.httpStatus(era: .handshake), contentType: "application/json",
                                                             bytes: JSONRPCReply.error(id: nil, e)))
        case .success(let s): session = s
        }
        guard let ticket = RelayTicket.open(text, for: session, body: request.body, signer: router.signer,
                                            now: UInt64(WallClock.unixSeconds())) else {
            return error(403, "relay ticket refused: not issued by this gateway for this session and body, or expired")
        }
        // A relayed call is a call: an agent runs many at once, so only the caller's identity cap
        // (and the global limits.maxRelayedCalls) applies, not the per-session stream cap.
        let slot: StreamQuota.Ticket
        switch admit(nil, head, router) {
        case .failure(let refused): return Self.refusal(refused, era: head.era)
        case .success(let t): slot = t
        }
        let body = request.body
        // ext_proc removed these unless the server's config forwards them (forwardAuthorization).
        let forwarded = ["authorization", "proxy-authorization", "cookie"].compactMap { name in request.header(name).map { (name, $0) } }
        return .stream(status: 200, headers: Self.sseHeaders + [("mcp-session-id", session.token)]) { [quota] stream in
            stream.onClose { quota.release(slot) }
            let cancel = relay.start(ticket, body: body, client: session, signer: router.signer, loop: stream.loop,
                                     clientHeaders: forwarded, send: { stream.send($0) }, finish: { stream.close() })
            stream.onClose { cancel() }
        }
    }

    /// Takes a stream slot for the session and the caller; it is given back when the stream
    /// closes (the stream starts right after this).
    func admit(_ session: ClientSession?, _ head: MCPRequestHead, _ router: MCPRouter) -> Result<StreamQuota.Ticket, StreamQuotaError> {
        quota.acquire(session: session, identityDigest: head.identityDigest, limits: router.config.limits.streamLimits)
    }

    /// A refused stream: 429 with a JSON-RPC error naming the limit.
    static func refusal(_ refused: StreamQuotaError, era: ProtocolEra) -> AdminResult {
        let e = refused.jsonRPCError
        return .response(AdminResponse(status: e.httpStatus(era: era), contentType: "application/json", bytes: JSONRPCReply.error(id: nil, e)))
    }

    func error(_ status: Int, _ message: String) -> AdminResult {
        .response(AdminResponse(status: status, contentType: "application/json",
                                bytes: JSONRPCReply.error(id: nil, JSONRPCError(code: JSONRPCError.invalidRequestCode, message: message))))
    }
}
