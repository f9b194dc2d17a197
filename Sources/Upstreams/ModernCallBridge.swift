import Foundation
import HTTP2
import HTTPClient
import JSONWire
import MCPGateway
import Synchronization

/// One call of a handshake-era client to a server that speaks only 2026-07-28, relayed by the
/// gateway (`CallRelay` hands it over; the router decided it, `MCPRouter.bridgeToModern`).
///
/// Each round is a stateless 2026-07-28 POST (`ModernCallEnvelope`: the client's capabilities and
/// info from its session id, its log level, the required headers, no session). Progress and log
/// messages stream through as they come. An input-required result becomes server→client requests
/// on the call's stream (`InputRequiredExchange`, ids sealed for the client session); the client's
/// answers come back through ext_proc (`ModernBridges.answer`) and the call is sent again with
/// them, until the server's complete result, which reaches the client without `resultType`.
/// The client's `notifications/cancelled` for the call, or its leaving, closes the server's
/// request stream: that is cancellation in 2026-07-28.
///
/// Bounds: rounds (`InputRequiredExchange.defaultMaxRounds`), the wait for the client's answers
/// and the server's reply (`limits.relayedCallTimeoutSeconds`), calls at once (the relay's
/// `limits.maxRelayedCalls`), a JSON reply's size (16 MiB).
final class ModernCallBridge: Sendable {
    struct Setup: Sendable {
        var server: ServerConfig
        var client: ClientSession
        var signer: SessionSigner
        var loop: EventLoop?
        var http: HTTPClient
        var clientHeaders: [(String, String)]
        var routingHeaders: [(String, String)]
        var timeout: Double
        var send: @Sendable ([UInt8]) -> Void
        var done: @Sendable (JSONRPCError?) -> Void
    }

    private struct State {
        var exchange: InputRequiredExchange
        var stopRound: (@Sendable () -> Void)?
        /// Rounds sent so far; a round's end counts only while it is the current one.
        var round = 0
        /// The current round saw the server's response (its end is then no failure).
        var answered = false
        /// Counts the waits for the client's answers; a wait's deadline acts only if it is still the current one.
        var wait = 0
        var finished = false
    }

    let setup: Setup
    let id = Base64URL.encode(SecureRandom.bytes(12))
    let rawID: [UInt8]
    private let state: Mutex<State>
    private let registry: ModernBridges
    private let rewriter: ServerMessageRewriter

    init(_ setup: Setup, body: [UInt8], rawID: [UInt8], registry: ModernBridges) {
        self.setup = setup
        self.rawID = rawID
        self.registry = registry
        rewriter = ServerMessageRewriter(server: setup.server.name, backendSession: "", client: setup.client, signer: setup.signer)
        state = Mutex(State(exchange: InputRequiredExchange(server: setup.server.name, callBody: body,
                                                            clientCapabilities: ModernCallEnvelope.clientFact("capabilities", of: setup.client))))
    }

    /// Sends the first round; returns what cancels the call (the client left).
    func start() -> @Sendable () -> Void {
        registry.add(self)
        round(state.withLock { $0.exchange.callBody })
        return { [self] in cancel() }
    }

    /// Closes the server's request (2026-07-28 cancellation) and ends the client's stream.
    func cancel() { finish(nil) }

    private func finish(_ error: JSONRPCError?) {
        let stop: (@Sendable () -> Void)? = state.withLock { s in
            guard !s.finished else { return nil }
            s.finished = true
            let stop = s.stopRound ?? {}
            s.stopRound = nil
            return stop
        }
        guard let stop else { return }
        stop()
        registry.remove(self)
        setup.done(error)
    }

    // MARK: rounds

    private func round(_ body: [UInt8]) {
        let headers = [("accept", "application/json, text/event-stream"), ("content-type", "application/json")]
            + setup.routingHeaders + setup.clientHeaders
        guard let request = try? HTTPRequest(method: "POST", url: setup.server.url, headers: headers, body: body) else {
            finish(.serverUnavailable(setup.server.name, "its URL is not usable"))
            return
        }
        // Before the request goes out: its reply may arrive before `run` returns.
        let current = state.withLock { s in s.round += 1; s.answered = false; return s.round }
        let stop = BridgeRound.run(request, setup: setup, onMessage: { [self] in message($0) }, onEnd: { [self] failure in
            let unanswered = state.withLock { $0.round == current && !$0.answered }
            if unanswered { finish(.serverUnavailable(setup.server.name, failure ?? "it ended the call's stream without a reply")) }
        })
        let cancelled = state.withLock { s in
            if s.round == current { s.stopRound = stop }
            return s.finished
        }
        if cancelled { stop() }
    }

    /// One message from the server on the current round's stream.
    private func message(_ bytes: [UInt8]) {
        guard let parsed = try? JSONRPCRequest(parsing: bytes[...]), parsed.kind == .response else {
            // Progress, log messages: on to the client as they are.
            if let out = rewriter.rewrite(bytes) { setup.send(ServerEventDecoder.event(out)) }
            return
        }
        state.withLock { $0.answered = true }
        let scanner = parsed.scanner
        guard let result = scanner.lastMember(named: "result", in: scanner.root),
              InputRequiredExchange.isInputRequired(result, in: scanner) else {
            // The complete result, or an error: the call's reply (the gateway sent the client's own id).
            setup.send(ServerEventDecoder.event(ModernCallEnvelope.handshakeResponse(bytes)))
            finish(nil)
            return
        }
        let step = state.withLock { $0.exchange.inputRequired(Array(scanner.bytes[result])) }
        apply(step)
    }

    private func apply(_ step: InputRequiredExchange.Step) {
        switch step {
        case .wait:
            return
        case .fail(let error):
            finish(error)
        case .retry(let body):
            state.withLock { $0.wait += 1 }
            round(body)
        case .ask(let questions):
            let wait = state.withLock { s in s.wait += 1; return s.wait }
            DispatchQueue.global().asyncAfter(deadline: .now() + setup.timeout) { [weak self] in
                guard let self, state.withLock({ $0.wait == wait }) else { return }
                self.finish(.serverUnavailable(self.setup.server.name,
                                               "the client did not answer its input request within \(Int(self.setup.timeout)) s"))
            }
            for q in questions {
                var w = JSONWriter(reservingCapacity: q.params.count + 128)
                w.beginObject()
                w.key("jsonrpc"); w.string("2.0")
                w.key("id"); w.raw(InputAnswer.requestID(server: setup.server.name, exchange: id, key: q.key).sealed(for: setup.client, signer: setup.signer))
                w.key("method"); w.string(q.method)
                w.key("params"); w.raw(q.params)
                w.endObject()
                setup.send(ServerEventDecoder.event(w.bytes))
            }
        }
    }

    /// The client's answer to one of the questions (through ext_proc, `ModernBridges.answer`).
    func answer(_ answer: InputAnswer) {
        guard !state.withLock({ $0.finished }), let parsed = try? JSONRPCRequest(parsing: answer.response[...]), let root = Optional(parsed.scanner.root) else { return }
        let step: InputRequiredExchange.Step
        if let result = parsed.scanner.lastMember(named: "result", in: root) {
            step = state.withLock { $0.exchange.answered(key: answer.key, result: Array(parsed.scanner.bytes[result])) }
        } else {
            let error = parsed.scanner.lastMember(named: "error", in: root)
            let message = error.flatMap { parsed.scanner.lastMember(named: "message", in: $0) }.flatMap { parsed.scanner.string(at: $0) }
            step = state.withLock { $0.exchange.refused(key: answer.key, message: message ?? "(no message)") }
        }
        apply(step)
    }
}

/// One round's HTTP exchange: on the client connection's event loop for plain-http servers (no
/// thread held while the server or the client thinks), on a thread for https ones.
enum BridgeRound {
    static func run(_ request: HTTPRequest, setup: ModernCallBridge.Setup, onMessage: @escaping @Sendable ([UInt8]) -> Void,
                    onEnd: @escaping @Sendable (String?) -> Void) -> @Sendable () -> Void {
        let timeout = setup.timeout
        if let loop = setup.loop, request.url.scheme == .http {
            let decoder = LoopConfined(MessageDecoder(onMessage: onMessage))
            let exchange = LoopHTTPExchange.start(request, on: loop, connectTimeout: min(setup.server.timeoutSeconds, 10),
                                                  headTimeout: timeout, idleTimeout: timeout,
                                                  onHead: { decoder.value.head($0) },
                                                  onBody: { _ = decoder.value.body($0) },
                                                  onEnd: { end in
                                                      switch end {
                                                      case .complete: onEnd(decoder.value.end())
                                                      case .failed(let e): onEnd("\(e)")
                                                      }
                                                  })
            return { exchange.cancel() }
        }
        let handle = HTTPStreamHandle()
        let thread = Thread {
            var decoder = MessageDecoder(onMessage: onMessage)
            do {
                _ = try setup.http.stream(request, connectTimeout: timeout, idleTimeout: timeout, handle: handle,
                                          onHead: { decoder.head($0); return true },
                                          onBody: { decoder.body($0) && !handle.isCancelled })
                if !handle.isCancelled { onEnd(decoder.end()) }
            } catch {
                if !handle.isCancelled { onEnd("\(error)") }
            }
        }
        thread.name = "bridge-\(setup.server.name)"
        thread.start()
        return { handle.cancel() }
    }
}

/// The JSON-RPC messages of one reply, SSE or plain JSON, whatever the status (a 2026-07-28 server
/// answers bad requests with 400 and a JSON-RPC error body).
struct MessageDecoder {
    let onMessage: @Sendable ([UInt8]) -> Void
    private var parser = SSEParser()
    private var status = 0
    private var isSSE = false
    private var json: [UInt8] = []
    private var failure: String?

    init(onMessage: @escaping @Sendable ([UInt8]) -> Void) { self.onMessage = onMessage }

    mutating func head(_ head: HTTPResponseHead) {
        status = head.status
        isSSE = (head.header("content-type") ?? "").lowercased().hasPrefix("text/event-stream")
    }

    mutating func body(_ chunk: [UInt8]) -> Bool {
        guard failure == nil else { return false }
        if isSSE {
            guard let events = try? parser.feed(chunk) else { failure = "malformed event stream"; return false }
            for event in events where !event.data.isEmpty { onMessage(Array(event.data.utf8)) }
            return true
        }
        guard json.count + chunk.count <= 16 << 20 else { failure = "reply larger than 16 MiB"; return false }
        json += chunk
        return true
    }

    /// nil when the reply was read; else why not.
    func end() -> String? {
        if let failure { return failure }
        if isSSE { return nil }
        guard json.first == UInt8(ascii: "{") else { return "it answered HTTP \(status) without a JSON-RPC reply" }
        onMessage(json)
        return nil
    }
}

/// The bridged calls running in this process: where a client's answer to an input request, or
/// its cancellation of a call, finds the call. Each entry lives as long as its relayed call
/// (bounded by `limits.maxRelayedCalls`).
public final class ModernBridges: Sendable {
    private struct Calls {
        var byExchange: [String: ModernCallBridge] = [:]
        var byRequest: [[UInt8]: ModernCallBridge] = [:]
    }
    private let calls = Mutex(Calls())

    public init() {}

    public var count: Int { calls.withLock { $0.byExchange.count } }

    static func requestKey(_ client: ClientSession, _ rawID: [UInt8]) -> [UInt8] { client.nonce + [0] + rawID }

    func add(_ call: ModernCallBridge) {
        calls.withLock { c in
            c.byExchange[call.id] = call
            if !call.rawID.isEmpty { c.byRequest[Self.requestKey(call.setup.client, call.rawID)] = call }
        }
    }

    func remove(_ call: ModernCallBridge) {
        calls.withLock { c in
            c.byExchange[call.id] = nil
            let key = Self.requestKey(call.setup.client, call.rawID)
            if c.byRequest[key] === call { c.byRequest[key] = nil }
        }
    }

    /// A client's answer to an input request (the router checked the sealed id was this session's).
    public func answer(_ answer: InputAnswer, client: ClientSession) {
        guard let call = calls.withLock({ $0.byExchange[answer.exchange] }), call.setup.client.nonce == client.nonce else { return }
        call.answer(answer)
    }

    /// A client notification: `notifications/cancelled` naming a bridged call closes it.
    public func clientNotified(_ body: [UInt8], client: ClientSession) {
        guard let parsed = try? JSONRPCRequest(parsing: body[...]), parsed.method == "notifications/cancelled",
              let id = parsed.param("requestId") else { return }
        let key = Self.requestKey(client, Array(parsed.scanner.bytes[id]))
        calls.withLock { $0.byRequest[key] }?.cancel()
    }
}

extension CallRelay {
    /// A relayed call for a server that speaks only 2026-07-28 (the ticket pins no backend
    /// session): the bridge runs it. nil when the server is not such a server.
    func bridgeIfModernOnly(_ ticket: RelayTicket, server: ServerConfig, body: [UInt8], client: ClientSession, signer: SessionSigner,
                            loop: EventLoop?, clientHeaders: [(String, String)], send: @escaping @Sendable ([UInt8]) -> Void,
                            done: @escaping @Sendable (JSONRPCError?) -> Void) -> (@Sendable () -> Void)? {
        let snapshot = store.snapshot
        guard ticket.backendSession.isEmpty, !snapshot.speaks(.handshake, server: server.name), snapshot.speaks(.modern, server: server.name) else {
            return nil
        }
        guard let request = try? JSONRPCRequest(parsing: body[...]),
              let translated = ModernCallEnvelope.body(request, session: client, logLevel: backendSessions.logLevel(client: client) ?? "debug") else {
            done(.invalidParams("\(server.name): the call needs a params object"))
            return {}
        }
        let name = request.stringParam("name")
        let tool = request.method == "tools/call" ? snapshot.tools.first { $0.server == server.name && $0.originalName == name } : nil
        let setup = ModernCallBridge.Setup(server: server, client: client, signer: signer, loop: loop, http: http,
                                           clientHeaders: clientHeaders,
                                           routingHeaders: ModernCallEnvelope.headers(request, tool: tool?.json(for: .modern)),
                                           timeout: Double(store.config.limits.relayedCallTimeoutSeconds), send: send, done: done)
        return ModernCallBridge(setup, body: translated, rawID: ticket.rawID, registry: bridges).start()
    }
}
