import Foundation
import HTTPClient
import MCPGateway
import Synchronization

/// Relays the calls of clients that accept server→client requests (see `RelayTicket`): the call
/// goes to its server on the client's backend session, and the reply's event stream comes back
/// with every server→client request's id sealed for the client (`ServerMessageRewriter`).
///
/// Each relayed call holds one thread (the HTTP client blocks) while it runs: the count is capped
/// (`limits.maxRelayedCalls`), waits are bounded (`limits.relayedCallTimeoutSeconds` for the reply
/// head and between events), and a client that goes away cancels the server request at once.
public final class CallRelay: Sendable {
    let http: HTTPClient
    let store: CatalogStore
    let backendSessions: BackendSessionTable
    private let active = Atomic<Int>(0)
    private let started = Atomic<Int>(0)

    public init(http: HTTPClient, store: CatalogStore, backendSessions: BackendSessionTable) {
        self.http = http
        self.store = store
        self.backendSessions = backendSessions
    }

    /// Relayed calls running now.
    public var running: Int { active.load(ordering: .relaxed) }
    /// Relayed calls started since the process began.
    public var total: Int { started.load(ordering: .relaxed) }

    /// Starts relaying one call; `send` gets SSE bytes for the client, `finish` runs once at the
    /// end. Returns the handle that cancels it, or nil when the relay is full (nothing started).
    public func start(_ ticket: RelayTicket, body: [UInt8], client: ClientSession, signer: SessionSigner,
                      send: @escaping @Sendable ([UInt8]) -> Void, finish: @escaping @Sendable () -> Void) -> HTTPStreamHandle? {
        let limits = store.config.limits
        guard active.wrappingAdd(1, ordering: .relaxed).newValue <= limits.maxRelayedCalls else {
            active.wrappingSubtract(1, ordering: .relaxed)
            return nil
        }
        started.wrappingAdd(1, ordering: .relaxed)
        let handle = HTTPStreamHandle()
        let thread = Thread { [self] in
            defer {
                active.wrappingSubtract(1, ordering: .relaxed)
                finish()
            }
            if let error = relay(ticket, body: body, client: client, signer: signer, limits: limits, send: send, handle: handle) {
                send(ServerEventPump.event(JSONRPCReply.error(id: ticket.rawID.isEmpty ? nil : ticket.rawID[...], error)))
            }
        }
        thread.name = "relay-\(ticket.server)"
        thread.start()
        return handle
    }

    /// Runs the call; returns the error the client must see, if it did not get a reply.
    private func relay(_ ticket: RelayTicket, body: [UInt8], client: ClientSession, signer: SessionSigner, limits: LimitsConfig,
                       send: @escaping @Sendable ([UInt8]) -> Void, handle: HTTPStreamHandle) -> JSONRPCError? {
        guard let server = store.config.server(named: ticket.server) else {
            return .serverUnavailable(ticket.server, "it is no longer configured")
        }
        var headers: [(String, String)] = [("accept", "application/json, text/event-stream"), ("content-type", "application/json"),
                                           ("mcp-protocol-version", client.protocolVersion)]
        if !ticket.backendSession.isEmpty { headers.append(("mcp-session-id", ticket.backendSession)) }
        if let c = server.credential { headers.append((c.header, c.value)) }
        guard let request = try? HTTPRequest(method: "POST", url: server.url, headers: headers, body: body) else {
            return .serverUnavailable(server.name, "its URL is not usable")
        }
        let pump = ServerEventPump(http: http, rewriter: ServerMessageRewriter(server: server.name, backendSession: ticket.backendSession,
                                                                                client: client, signer: signer),
                                   send: send, maxJSONBytes: 16 << 20)
        let timeout = Double(limits.relayedCallTimeoutSeconds)
        switch pump.run(request, headTimeout: timeout, idleTimeout: timeout, handle: handle) {
        case .ended:
            return nil
        case .status(404) where !ticket.backendSession.isEmpty:
            // The server forgot the backend session (it restarted): the next call opens a fresh one.
            backendSessions.invalidate(client: client, server: server.name, backendSession: ticket.backendSession)
            return .serverUnavailable(server.name, "it no longer knows this session (HTTP 404); the next call opens a new one")
        case .status(let status):
            return .serverUnavailable(server.name, "it answered HTTP \(status) without a JSON-RPC reply")
        case .failed(let why):
            return .serverUnavailable(server.name, why)
        }
    }
}
