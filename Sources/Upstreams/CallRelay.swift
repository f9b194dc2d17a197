import Foundation
import HTTP2
import HTTPClient
import MCPGateway
import Synchronization

/// Relays the calls of clients that accept server→client requests (see `RelayTicket`): the call
/// goes to its server on the client's backend session, and the reply's event stream comes back
/// with every server→client request's id sealed for the client (`ServerMessageRewriter`).
///
/// A relayed call may wait long (a user answering an elicitation, a slow tool): for plain-http
/// servers it waits on the client's event loop (`LoopHTTPExchange`), holding a socket and a timer
/// but no thread; https servers use a thread of the blocking client. Either way the count is capped
/// (`limits.maxRelayedCalls`), waits are bounded (`limits.relayedCallTimeoutSeconds` for the reply
/// head and between events), and a client that goes away cancels the server request at once.
public final class CallRelay: Sendable {
    let http: HTTPClient
    let store: CatalogStore
    let backendSessions: BackendSessionTable
    /// Calls bridged to servers that speak only 2026-07-28 (`ModernCallBridge`).
    public let bridges: ModernBridges
    private let active = Atomic<Int>(0)
    private let started = Atomic<Int>(0)
    private let threads = Atomic<Int>(0)

    public init(http: HTTPClient, store: CatalogStore, backendSessions: BackendSessionTable, bridges: ModernBridges = ModernBridges()) {
        self.bridges = bridges
        self.http = http
        self.store = store
        self.backendSessions = backendSessions
    }

    /// Relayed calls running now.
    public var running: Int { active.load(ordering: .relaxed) }
    /// Relayed calls started since the process began.
    public var total: Int { started.load(ordering: .relaxed) }
    /// Relayed calls holding a thread now (https servers only).
    public var onThreads: Int { threads.load(ordering: .relaxed) }

    /// Starts relaying one call; `send` gets SSE bytes for the client, `finish` runs once at the
    /// end. `loop` is the client connection's event loop (plain-http servers are waited for there).
    /// Returns what cancels it. When `limits.maxRelayedCalls` are running the call is refused at
    /// once (a JSON-RPC error event, then `finish`).
    /// `clientHeaders`: the client's own credentials and cookies that ext_proc let through (only for
    /// servers whose config forwards them), sent on as Envoy would on the direct path. The server's
    /// configured credential is the gateway's own (discovery) and is never added to a client's call.
    public func start(_ ticket: RelayTicket, body: [UInt8], client: ClientSession, signer: SessionSigner, loop: EventLoop?,
                      clientHeaders: [(String, String)] = [],
                      send: @escaping @Sendable ([UInt8]) -> Void, finish: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        let limits = store.config.limits
        guard active.wrappingAdd(1, ordering: .relaxed).newValue <= limits.maxRelayedCalls else {
            active.wrappingSubtract(1, ordering: .relaxed)
            let full = JSONRPCError(code: -32000, message: "The gateway is relaying as many calls as it may (limits.maxRelayedCalls); retry shortly")
            send(ServerEventDecoder.event(JSONRPCReply.error(id: ticket.rawID.isEmpty ? nil : ticket.rawID[...], full)))
            finish()
            return {}
        }
        started.wrappingAdd(1, ordering: .relaxed)
        let once = Once()
        // Runs once whichever comes first: the server's reply ended, it failed, or the client left.
        let done: @Sendable (JSONRPCError?) -> Void = { [self] error in
            guard once.claim() else { return }
            if let error {
                send(ServerEventDecoder.event(JSONRPCReply.error(id: ticket.rawID.isEmpty ? nil : ticket.rawID[...], error)))
            }
            active.wrappingSubtract(1, ordering: .relaxed)
            finish()
        }
        guard let server = store.config.server(named: ticket.server) else {
            done(.serverUnavailable(ticket.server, "it is no longer configured"))
            return {}
        }
        if let cancel = bridgeIfModernOnly(ticket, server: server, body: body, client: client, signer: signer, loop: loop,
                                           clientHeaders: clientHeaders, send: send, done: done) {
            return cancel
        }
        var headers: [(String, String)] = [("accept", "application/json, text/event-stream"), ("content-type", "application/json"),
                                           ("mcp-protocol-version", client.protocolVersion)]
        if !ticket.backendSession.isEmpty { headers.append(("mcp-session-id", ticket.backendSession)) }
        headers += clientHeaders
        guard let request = try? HTTPRequest(method: "POST", url: server.url, headers: headers, body: body) else {
            done(.serverUnavailable(server.name, "its URL is not usable"))
            return {}
        }
        let rewriter = ServerMessageRewriter(server: server.name, backendSession: ticket.backendSession, client: client, signer: signer)
        let timeout = Double(limits.relayedCallTimeoutSeconds)
        let outcome: @Sendable (ServerEventDecoder.Outcome) -> JSONRPCError? = { [self] in
            self.error(for: $0, server: server.name, ticket: ticket, client: client)
        }
        if let loop, request.url.scheme == .http {
            // The decoder lives on the loop thread: every exchange callback runs there.
            let decoder = LoopConfined(ServerEventDecoder(rewriter: rewriter, send: send, maxJSONBytes: 16 << 20))
            let stop = LoopConfined<(@Sendable () -> Void)?>(nil)
            let exchange = LoopHTTPExchange.start(request, on: loop, connectTimeout: min(server.timeoutSeconds, 10), headTimeout: timeout,
                                                  idleTimeout: timeout,
                                                  onHead: { decoder.value.head($0) },
                                                  onBody: { chunk in
                                                      // A malformed stream or an oversized JSON reply: stop reading it.
                                                      if !decoder.value.body(chunk) { stop.value?() }
                                                  },
                                                  onEnd: { end in
                                                      switch end {
                                                      case .complete: done(outcome(decoder.value.end()))
                                                      case .failed(let e): done(outcome(.failed("\(e)")))
                                                      }
                                                  })
            stop.value = { exchange.cancel(); done(outcome(decoder.value.end() == .ended ? .failed("malformed or oversized reply") : decoder.value.end())) }
            return { exchange.cancel(); done(nil) }
        }
        let handle = HTTPStreamHandle()
        let thread = Thread { [self] in
            threads.wrappingAdd(1, ordering: .relaxed)
            defer { threads.wrappingSubtract(1, ordering: .relaxed) }
            let pump = ServerEventPump(http: http, rewriter: rewriter, send: send, maxJSONBytes: 16 << 20)
            done(outcome(pump.run(request, headTimeout: timeout, idleTimeout: timeout, handle: handle)))
        }
        thread.name = "relay-\(ticket.server)"
        thread.start()
        return { handle.cancel() }
    }

    /// The error the client must see when the call did not end with the server's reply.
    private func error(for outcome: ServerEventDecoder.Outcome, server: String, ticket: RelayTicket, client: ClientSession) -> JSONRPCError? {
        switch outcome {
        case .ended:
            return nil
        case .status(404) where !ticket.backendSession.isEmpty:
            // The server forgot the backend session (it restarted): the next call opens a fresh one.
            backendSessions.invalidate(client: client, server: server, backendSession: ticket.backendSession)
            return .serverUnavailable(server, "it no longer knows this session (HTTP 404); the next call opens a new one")
        case .status(let status):
            return .serverUnavailable(server, "it answered HTTP \(status) without a JSON-RPC reply")
        case .failed(let why):
            return .serverUnavailable(server, why)
        }
    }
}

/// True for the first caller of `claim()` only.
final class Once: Sendable {
    private let taken = Atomic<Bool>(false)
    func claim() -> Bool { !taken.exchange(true, ordering: .acquiringAndReleasing) }
}

/// A value only its event loop's thread touches (the relay's decoder, fed by loop callbacks).
final class LoopConfined<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
