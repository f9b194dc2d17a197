/// A client request waiting on a bridged call (what `BridgedCallState` needs of it).
public protocol BridgeWaiter: Sendable {
    var id: UInt64 { get }
    /// `_meta["io.modelcontextprotocol/logLevel"]` of the request (log messages below it are dropped).
    var logLevel: String? { get }
    /// `_meta.progressToken` of the request, raw JSON (nil: it asked for no progress).
    var progressToken: [UInt8]? { get }
}

/// One backend call of the bridge (2026-07-28 client → handshake-era server), from the client's
/// first request to the result: what the server sent meanwhile and which client request, if any,
/// waits for it. A value: each transition returns what to do (`Delivery`), its owner does it.
///
/// The server's requests (elicitation, sampling, roots) are queued until a client request waits,
/// then shown to it in one `InputRequiredResult`; they stay `asked` (shown again on the next
/// retry) until the client answers them. The call's reply, or its failure, goes to the client
/// request waiting then, or to the next retry.
public struct BridgedCallState<Waiter: BridgeWaiter>: Sendable {
    public enum Outcome: Sendable {
        case reply(JSONRPCRequest)
        case failed(JSONRPCError)
    }

    public enum Delivery: Sendable {
        case none
        /// Send this notification to the waiting client request.
        case forward(Waiter, [UInt8])
        /// End the waiting request with the call's reply or error: the call is over.
        case finish(Waiter, Outcome)
        /// End the waiting request with an `InputRequiredResult` asking these: the call is parked.
        case askInput(Waiter, [ModernReply.InputRequest])
    }

    public private(set) var waiter: Waiter?
    public private(set) var queued: [ModernReply.InputRequest] = []
    public private(set) var asked: [ModernReply.InputRequest] = []
    public private(set) var outcome: Outcome?
    public private(set) var ended = false
    private var nextKey = 1

    public init() {}

    /// A message the server sent on the call's stream.
    public mutating func received(_ message: JSONRPCRequest) -> Delivery {
        guard !ended else { return .none }
        switch message.kind {
        case .response:
            outcome = .reply(message)
            return deliver()
        case .request:
            guard let request = ModernReply.inputRequest(message, key: "input-\(nextKey)") else { return .none }
            nextKey += 1
            queued.append(request)
            return deliver()
        case .notification:
            guard let waiter, ModernReply.passes(message, logLevel: waiter.logLevel) else { return .none }
            guard message.method == "notifications/progress" else { return .forward(waiter, Array(message.body)) }
            // The server reports against the token of the request it got (the client's first); the
            // client waits on its latest retry, which has a token of its own, or asked for none.
            guard let token = waiter.progressToken, let at = message.param("progressToken") else { return .none }
            return .forward(waiter, message.splicing(at, with: token))
        }
    }

    /// The server's stream ended, or failed, without a reply.
    public mutating func failed(_ error: JSONRPCError) -> Delivery {
        guard !ended, outcome == nil else { return .none }
        outcome = .failed(error)
        return deliver()
    }

    /// A client request (the first, or a retry) waits on the call. Answers to shown requests are
    /// taken out and returned as the JSON-RPC responses to post to the server.
    public mutating func attach(_ waiter: Waiter, responses: [(key: String, value: [UInt8])]) -> (answers: [[UInt8]], delivery: Delivery) {
        var answers: [[UInt8]] = []
        for (key, value) in responses {
            guard let at = asked.firstIndex(where: { $0.key == key }) else { continue }
            answers.append(ModernReply.answer(backendID: asked[at].backendID, value: value))
            asked.remove(at: at)
        }
        if ended { return (answers, .finish(waiter, .failed(.invalidParams("this bridged call has ended")))) }
        self.waiter = waiter
        // Requests left unanswered are shown again; otherwise wait for what the server sends next.
        return (answers, outcome != nil || !asked.isEmpty || !queued.isEmpty ? deliver() : .none)
    }

    /// The client request `id` went away. True if it was still waiting: on 2026-07-28 closing a
    /// request's stream cancels it, so the owner cancels the backend call.
    public mutating func detach(_ id: UInt64) -> Bool {
        guard let waiter, waiter.id == id, !ended else { return false }
        self.waiter = nil
        ended = true
        return true
    }

    /// The call is over (expired, cancelled): nothing more is delivered.
    public mutating func end() {
        ended = true
        waiter = nil
    }

    private mutating func deliver() -> Delivery {
        guard let waiter else { return .none }
        if let outcome {
            self.waiter = nil
            ended = true
            return .finish(waiter, outcome)
        }
        guard !queued.isEmpty || !asked.isEmpty else { return .none }
        asked += queued
        queued = []
        self.waiter = nil
        return .askInput(waiter, asked)
    }
}
