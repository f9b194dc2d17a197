import JSONWire

/// The input-required rounds (2026-07-28 MRTR) of one call a handshake-era client made to a
/// server that speaks only 2026-07-28, as a value the relay drives.
///
/// The server answers the call with `resultType: "input_required"`, `inputRequests` (elicitation,
/// sampling, roots/list, keyed by names it chose) and an opaque `requestState`. A handshake-era
/// client knows nothing of that: it expects server→client requests on the call's stream. So each
/// input request becomes one such request (`ask`), the client's answers are collected by key, and
/// once every one is in, the call is sent again (`retry`) with `inputResponses` and the server's
/// `requestState` byte for byte (the server sealed it; the gateway never alters it). The loop ends
/// with the server's complete result, or `fail` with an error the client can act on: a request
/// the client declared no capability for (named, never forwarded), or too many rounds.
public struct InputRequiredExchange: Sendable, Equatable {
    /// One server→client request to send: the server's key for it, its method and params (raw JSON).
    public struct Question: Sendable, Equatable {
        public var key: String
        public var method: String
        public var params: [UInt8]
    }

    public enum Step: Sendable, Equatable {
        /// Send these to the client and wait for its answers.
        case ask([Question])
        /// Send this body to the server now (every answer is in).
        case retry([UInt8])
        /// More answers are due.
        case wait
        case fail(JSONRPCError)
    }

    public static let defaultMaxRounds = 10

    public let server: String
    /// The first round's request (the client's call with the 2026-07-28 envelope).
    public let callBody: [UInt8]
    let capabilities: [UInt8]
    public let maxRounds: Int
    public private(set) var rounds = 0
    /// Keys asked and not yet answered.
    public private(set) var outstanding: [String] = []
    private var answers: [(key: String, result: [UInt8])] = []
    private var requestState: [UInt8]?

    public init(server: String, callBody: [UInt8], clientCapabilities: [UInt8]?, maxRounds: Int = defaultMaxRounds) {
        self.server = server
        self.callBody = callBody
        self.capabilities = clientCapabilities ?? Array("{}".utf8)
        self.maxRounds = maxRounds
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.server == b.server && a.callBody == b.callBody && a.rounds == b.rounds && a.outstanding == b.outstanding
            && a.requestState == b.requestState && a.answers.map(\.key) == b.answers.map(\.key) && a.answers.map(\.result) == b.answers.map(\.result)
    }

    /// Whether a `result` object (in `scanner`) is an input-required one.
    public static func isInputRequired(_ result: Range<Int>, in scanner: JSONScanner) -> Bool {
        guard scanner.kind(at: result) == .object, let type = scanner.lastMember(named: "resultType", in: result) else { return false }
        return scanner.string(at: type, equals: "input_required")
    }

    /// The server answered with this input-required `result` (raw JSON object).
    public mutating func inputRequired(_ result: [UInt8]) -> Step {
        rounds += 1
        guard rounds <= maxRounds else {
            return .fail(.serverUnavailable(server, "it asked for input more than \(maxRounds) times in one call"))
        }
        guard let scanner = try? JSONScanner(result[...]), scanner.kind(at: scanner.root) == .object else {
            return .fail(.serverUnavailable(server, "its input_required result is not a JSON object"))
        }
        let state = scanner.lastMember(named: "requestState", in: scanner.root)
        if let state, scanner.kind(at: state) != .string {
            return .fail(.serverUnavailable(server, "its requestState is not a string"))
        }
        requestState = state.map { Array(scanner.bytes[$0]) }
        answers = []
        var questions: [Question] = []
        if let requests = scanner.lastMember(named: "inputRequests", in: scanner.root) {
            guard let members = scanner.objectMembers(of: requests) else {
                return .fail(.serverUnavailable(server, "its inputRequests is not an object"))
            }
            for (key, value) in members {
                guard let methodRange = scanner.lastMember(named: "method", in: value), let method = scanner.string(at: methodRange) else {
                    return .fail(.serverUnavailable(server, "input request \(JSONText.string(key)) names no method"))
                }
                let params = scanner.lastMember(named: "params", in: value).map { Array(scanner.bytes[$0]) } ?? Array("{}".utf8)
                if let missing = missingCapability(method: method, params: params) {
                    return .fail(JSONRPCError(code: -32021, message:
                        "server \(server) needs \(missing) from the client for this call, and the client did not declare that capability in initialize"))
                }
                questions.append(Question(key: key, method: method, params: params))
            }
        }
        guard !questions.isEmpty else {
            // State only: the server wants the call again at once (bounded by maxRounds).
            guard requestState != nil else { return .fail(.serverUnavailable(server, "its input_required result has neither inputRequests nor requestState")) }
            return .retry(retryBody())
        }
        outstanding = questions.map(\.key)
        return .ask(questions)
    }

    /// The client answered the question `key` with this `result` (raw JSON).
    public mutating func answered(key: String, result: [UInt8]) -> Step {
        guard let index = outstanding.firstIndex(of: key) else { return .wait } // unknown or repeated: ignored
        outstanding.remove(at: index)
        answers.append((key, result))
        return outstanding.isEmpty ? .retry(retryBody()) : .wait
    }

    /// The client answered the question `key` with a JSON-RPC error.
    public func refused(key: String, message: String) -> Step {
        .fail(JSONRPCError(code: JSONRPCError.internalErrorCode,
                           message: "the client answered the input request \(JSONText.string(key)) of server \(server) with an error: \(message)"))
    }

    /// The call again, with the answers and the server's state as it sent it.
    func retryBody() -> [UInt8] {
        guard let scanner = try? JSONScanner(callBody[...]), let params = scanner.lastMember(named: "params", in: scanner.root) else { return callBody }
        var members: [UInt8] = []
        if !answers.isEmpty {
            members += Array("\"inputResponses\":{".utf8)
            for (i, answer) in answers.enumerated() {
                if i > 0 { members.append(UInt8(ascii: ",")) }
                JSONText.appendString(answer.key, to: &members)
                members.append(UInt8(ascii: ":"))
                members += answer.result
            }
            members.append(UInt8(ascii: "}"))
        }
        if let requestState {
            if !members.isEmpty { members.append(UInt8(ascii: ",")) }
            members += Array("\"requestState\":".utf8) + requestState
        }
        return ModernCallEnvelope.appending(members, toObject: params, in: scanner)
    }

    /// The capability a request needs that the client did not declare (the server must not ask
    /// for it, and the gateway does not pass such a request on), or nil.
    func missingCapability(method: String, params: [UInt8]) -> String? {
        guard let scanner = try? JSONScanner(capabilities[...]) else { return method }
        let caps = scanner.root
        func declared(_ path: String...) -> Bool {
            var at = caps
            for name in path {
                guard scanner.kind(at: at) == .object, let next = scanner.lastMember(named: name, in: at) else { return false }
                at = next
            }
            return true
        }
        switch method {
        case "elicitation/create":
            let url = (try? JSONScanner(params[...])).flatMap { p in
                p.lastMember(named: "mode", in: p.root).map { p.string(at: $0, equals: "url") } } ?? false
            guard declared("elicitation") else { return url ? "URL elicitation" : "form elicitation" }
            if url { return declared("elicitation", "url") ? nil : "URL elicitation" }
            // An empty elicitation object means form support (2025-06-18 clients).
            let empty = scanner.lastMember(named: "elicitation", in: caps).flatMap { scanner.objectMembers(of: $0) }?.isEmpty ?? false
            return empty || declared("elicitation", "form") ? nil : "form elicitation"
        case "sampling/createMessage":
            return declared("sampling") ? nil : "sampling"
        case "roots/list":
            return declared("roots") ? nil : "roots"
        default:
            return "\(method) (not an input request the handshake era has)"
        }
    }
}

/// A client's answer to a server→client request the gateway made from an input request: the
/// sealed id (`ServerRequestID`) names the bridged call's exchange (in place of a backend
/// session) and the server's key for the request.
public struct InputAnswer: Sendable, Equatable {
    public var exchange: String
    public var key: String
    /// The client's whole JSON-RPC response.
    public var response: [UInt8]

    static let marker = "mrtr:"

    /// The id of the server→client request asking `key` for the exchange `exchange`.
    public static func requestID(server: String, exchange: String, key: String) -> ServerRequestID {
        var raw: [UInt8] = []
        JSONText.appendString(key, to: &raw)
        return ServerRequestID(server: server, backendSession: marker + exchange, rawID: raw)
    }

    /// nil when `target` is a real server request (a backend session's).
    public init?(_ target: ServerRequestID, response: [UInt8]) {
        guard target.backendSession.hasPrefix(Self.marker), let scanner = try? JSONScanner(target.rawID[...]),
              let key = scanner.string(at: scanner.root) else { return nil }
        self.exchange = String(target.backendSession.dropFirst(Self.marker.count))
        self.key = key
        self.response = response
    }
}
