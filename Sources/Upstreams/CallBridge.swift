import Foundation
import HTTP2
import HTTPClient
import Logging
import MCPGateway
import Synchronization

/// Serves 2026-07-28 calls of servers that speak only the handshake era (the bridge).
///
/// The call runs on a backend session the gateway opens with the client's envelope (protocol
/// version, capabilities, client info): one per authenticated caller and client shape, kept like
/// a 2025 client's; for anonymous callers one per call, ended with it, so two anonymous clients
/// never share server state. The request goes out as a handshake-era request; the server's reply
/// comes back as a 2026-07-28 result. When the server asks the client something (elicitation,
/// sampling, roots) the client gets an `InputRequiredResult` whose sealed `requestState` names
/// the backend call, which stays open here, parked, until the client's retry brings the answers
/// (posted to the server under its own ids) and takes over the rest of the call.
///
/// Bounds: at most `limits.maxBridgedCalls` calls are held; a parked call waits at most
/// `limits.bridgedCallWaitSeconds` for its retry, then the server's call is cancelled
/// (`notifications/cancelled`) and forgotten. A client closing its request's stream cancels the
/// call, as closing a stream does in 2026-07-28. Parked calls live in this replica's memory: a
/// retry that reaches another replica gets a clear error (and may call again from scratch).
public final class CallBridge: Sendable {
    let http: HTTPClient
    let store: CatalogStore
    let backendSessions: BackendSessionTable
    let version: String
    let endSession: @Sendable (_ server: String, _ session: String) -> Void
    private let table = Mutex(PendingBridgeTable<BridgedCall>(capacity: 0))
    private let waiterIDs = Atomic<UInt64>(0)
    private let posts = DispatchQueue(label: "bridge-posts", attributes: .concurrent)

    public init(http: HTTPClient, store: CatalogStore, backendSessions: BackendSessionTable, version: String,
                endSession: @escaping @Sendable (_ server: String, _ session: String) -> Void) {
        self.http = http
        self.store = store
        self.backendSessions = backendSessions
        self.version = version
        self.endSession = endSession
    }

    /// Bridged calls held now (running or parked).
    public var held: Int { table.withLock { $0.count } }
    /// Bridged calls parked, waiting for their client's retry.
    public var parked: Int { table.withLock { $0.parkedCount } }

    /// Serves one 2026-07-28 request for `server` (a first call, or a retry naming a parked call
    /// by its `requestState`); `send` gets SSE bytes for the client, `finish` ends its reply.
    /// Returns what to run when the client's stream closes.
    public func serve(_ call: ModernCall, server name: String, caller: String, signer: SessionSigner, loop: EventLoop?,
                      clientHeaders: [(String, String)], send: @escaping @Sendable ([UInt8]) -> Void,
                      finish: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        let sink = BridgeSink(id: waiterIDs.wrappingAdd(1, ordering: .relaxed).newValue, clientID: call.rawID, logLevel: call.logLevel, progressToken: call.progressToken,
                              send: send, finish: finish)
        let callerSession = ModernBridge.caller(identityDigest: caller)
        let context = Context(signer: signer, caller: callerSession)
        if let state = call.requestState {
            return resume(call, server: name, state: state, sink: sink, context: context)
        }
        guard let server = store.config.server(named: name) else {
            refuse(sink, .serverUnavailable(name, "it is no longer configured"))
            return {}
        }
        let limits = store.config.limits
        let bridged = BridgedCall(key: Hex.encode(SecureRandom.bytes(16)), server: name, method: call.method, target: call.target,
                                  ownSession: caller.isEmpty, declared: Set(["elicitation", "sampling", "roots"].filter(call.declares)))
        let admitted = table.withLock { t in
            t.capacity = limits.maxBridgedCalls
            return t.admit(key: bridged.key, call: bridged, caller: caller)
        }
        guard admitted else {
            refuse(sink, JSONRPCError(code: -32000, message: "The gateway holds as many bridged calls as it may (limits.maxBridgedCalls); retry shortly"))
            return {}
        }
        _ = bridged.update { $0.attach(sink, responses: []) }
        let client = call.backendClient(identityDigest: caller, now: UInt64(WallClock.unixSeconds()))
        let opened: BackendSessionTable.Completion = { [self] result in
            switch result {
            case .failure(let error): perform(bridged.update { $0.failed(error) }, bridged, context)
            case .success(let session):
                start(call, on: session, bridged, server: server, client: client, loop: loop, clientHeaders: clientHeaders, context)
            }
        }
        if bridged.ownSession {
            backendSessions.createUnshared(client: client, server: name, opened)
        } else {
            backendSessions.withSession(client: client, server: name, opened)
        }
        return { [self] in clientLeft(bridged, waiter: sink.id, context) }
    }

    /// What every step of one request needs: the session key and the caller it is bound to.
    struct Context: Sendable {
        let signer: SessionSigner
        let caller: ClientSession
    }

    private func resume(_ call: ModernCall, server: String, state: String, sink: BridgeSink, context: Context) -> @Sendable () -> Void {
        guard let (key, owner) = ModernBridge.pendingKey(state, method: call.method, target: call.target, caller: context.caller,
                                                         signer: context.signer), owner == server else {
            refuse(sink, .invalidParams("Invalid requestState: not issued by this gateway for this caller and \(call.method) \(call.target)"))
            return {}
        }
        let bridged: BridgedCall
        switch table.withLock({ $0.resume(key: key, caller: context.caller.identityDigest) }) {
        case .resumed(let found): bridged = found
        case .unknown, .otherCaller:
            refuse(sink, .invalidParams("Unknown or expired requestState: this gateway replica holds no such call (it ended, waited longer than "
                                        + "limits.bridgedCallWaitSeconds, or was started on another replica); call again without requestState"))
            return {}
        case .busy:
            refuse(sink, .invalidParams("Another request is already waiting on this call"))
            return {}
        }
        let (answers, delivery) = bridged.update { $0.attach(sink, responses: call.inputResponses) }
        post(answers, on: bridged)
        perform(delivery, bridged, context)
        return { [self] in clientLeft(bridged, waiter: sink.id, context) }
    }

    private func start(_ call: ModernCall, on session: String, _ bridged: BridgedCall, server: ServerConfig, client: ClientSession,
                       loop: EventLoop?, clientHeaders: [(String, String)], _ context: Context) {
        let gone = bridged.state.withLock { r in
            r.backendSession = session
            return r.call.ended
        }
        guard !gone else {
            // The client left while the session was being opened: a session of its own is ended now.
            if bridged.ownSession { endSession(server.name, session) }
            return
        }
        var headers: [(String, String)] = [("accept", "application/json, text/event-stream"), ("content-type", "application/json"),
                                           ("mcp-protocol-version", client.protocolVersion)]
        if !session.isEmpty { headers.append(("mcp-session-id", session)) }
        headers += clientHeaders
        guard let request = try? HTTPRequest(method: "POST", url: server.url, headers: headers, body: call.handshakeBody(id: bridged.backendID)) else {
            perform(bridged.update { $0.failed(.serverUnavailable(server.name, "its URL is not usable")) }, bridged, context)
            return
        }
        let stop = BackendCallExchange.start(
            request, http: http, loop: loop, connectTimeout: min(server.timeoutSeconds, 10),
            idleTimeout: Double(store.config.limits.relayedCallTimeoutSeconds),
            onMessage: { [self] bytes in received(bytes, bridged, context) },
            onEnd: { [self] end in
                let why: String
                switch end {
                case .ended: why = "it ended the call's stream without a reply"
                case .status(404) where !bridged.ownSession:
                    // The server forgot the backend session (it restarted): the next call opens a fresh one.
                    backendSessions.invalidate(client: client, server: server.name, backendSession: session)
                    why = "it no longer knows this session (HTTP 404); the next call opens a new one"
                case .status(let status): why = "it answered HTTP \(status) without a JSON-RPC reply"
                case .failed(let problem): why = problem
                }
                perform(bridged.update { $0.failed(.serverUnavailable(server.name, why)) }, bridged, context)
            })
        let ended = bridged.state.withLock { r in
            r.stop = stop
            return r.call.ended
        }
        if ended { stop() }
    }

    private func received(_ bytes: [UInt8], _ bridged: BridgedCall, _ context: Context) {
        guard let message = try? JSONRPCRequest(parsing: bytes[...]) else { return }
        switch message.kind {
        case .request where message.method == "ping":
            post([JSONRPCReply.result(id: message.rawID) { w in w.beginObject(); w.endObject() }], on: bridged)
            return
        case .request where !ModernReply.inputMethods.contains(message.method):
            // Nothing a 2026-07-28 client could answer: the server hears so at once instead of waiting.
            post([JSONRPCReply.error(id: message.rawID, .methodNotFound(message.method))], on: bridged)
            return
        case .request where !bridged.declared.contains(ModernReply.capability(for: message.method) ?? ""):
            // The client could not answer it: the server hears so, the client gets an error naming what was asked.
            let error = ModernReply.undeclared(ModernReply.capability(for: message.method) ?? message.method, server: bridged.server)
            post([JSONRPCReply.error(id: message.rawID, error)], on: bridged)
            perform(bridged.update { $0.failed(error) }, bridged, context)
        case .response where message.rawID.map(Array.init) != bridged.backendID:
            return
        default:
            perform(bridged.update { $0.received(message) }, bridged, context)
        }
    }

    private func perform(_ delivery: BridgedCallState<BridgeSink>.Delivery, _ bridged: BridgedCall, _ context: Context) {
        switch delivery {
        case .none:
            return
        case .forward(let sink, let message):
            sink.send(ServerEventDecoder.event(message))
        case .finish(let sink, let outcome):
            let body: [UInt8] = switch outcome {
            case .reply(let message): ModernReply.complete(message, method: bridged.method, clientID: sink.clientID) ?? []
            case .failed(let error): JSONRPCReply.error(id: sink.clientID[...], error)
            }
            sink.send(ServerEventDecoder.event(body))
            sink.finish()
            close(bridged)
        case .askInput(let sink, let requests):
            let wait = Double(store.config.limits.bridgedCallWaitSeconds)
            // Parked before the client hears of it: its retry can come at once.
            table.withLock { _ = $0.park(key: bridged.key, deadline: WallClock.unixSeconds() + wait) }
            let state = ModernBridge.requestState(key: bridged.key, server: bridged.server, method: bridged.method, target: bridged.target,
                                                  caller: context.caller, signer: context.signer)
            sink.send(ServerEventDecoder.event(ModernReply.inputRequired(clientID: sink.clientID, requests: requests, requestState: state)))
            sink.finish()
            DispatchQueue.global().asyncAfter(deadline: .now() + wait + 0.05) { [self] in expire() }
        }
    }

    /// Cancels the parked calls whose client did not come back in time.
    func expire() {
        for bridged in table.withLock({ $0.expired(now: WallClock.unixSeconds()) }) {
            cancel(bridged, reason: "the client did not answer within limits.bridgedCallWaitSeconds")
        }
    }

    private func clientLeft(_ bridged: BridgedCall, waiter: UInt64, _ context: Context) {
        if bridged.update({ $0.detach(waiter) }) {
            cancel(bridged, reason: "the client closed the request")
        }
    }

    /// Stops the server's call: `notifications/cancelled` on its session, the exchange closed.
    private func cancel(_ bridged: BridgedCall, reason: String) {
        let stop = bridged.state.withLock { r in
            r.call.end()
            return r.stop
        }
        Logger(component: "bridge").info("bridged call cancelled", [("server", bridged.server), ("reason", reason)])
        post([ModernReply.cancel(backendID: bridged.backendID, reason: reason)], on: bridged) { stop?() }
        close(bridged)
    }

    /// Forgets the call; a backend session opened for it alone is ended.
    private func close(_ bridged: BridgedCall) {
        table.withLock { _ = $0.finish(key: bridged.key) }
        if bridged.ownSession {
            let session = bridged.backendSession
            // After the posts queued for it (the answers, a cancellation).
            posts.async(flags: .barrier) { [self] in if !session.isEmpty { endSession(bridged.server, session) } }
        }
    }

    /// Posts messages (answers, a cancellation) on the call's backend session, in order.
    private func post(_ bodies: [[UInt8]], on bridged: BridgedCall, then: (@Sendable () -> Void)? = nil) {
        guard !bodies.isEmpty else { then?(); return }
        let session = bridged.backendSession
        posts.async { [self] in
            if let server = store.config.server(named: bridged.server), !session.isEmpty {
                let client = MCPBackendClient(server: server, http: http, clientVersion: version)
                for body in bodies { client.post(body, session: session, protocolVersion: ProtocolEra.latestHandshake) }
            }
            then?()
        }
    }

    private func refuse(_ sink: BridgeSink, _ error: JSONRPCError) {
        sink.send(ServerEventDecoder.event(JSONRPCReply.error(id: sink.clientID[...], error)))
        sink.finish()
    }
}
