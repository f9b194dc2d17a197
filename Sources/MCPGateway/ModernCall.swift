import JSONWire

/// A 2026-07-28 call (`tools/call`, `prompts/get`, `resources/read`, `completion/complete`) bound
/// for a server that speaks only the handshake era, read once for the bridge: the envelope the
/// modern client sends with every request (`_meta` protocol version, capabilities, client info,
/// log level) and the input-required retry fields (`inputResponses`, `requestState`).
///
/// The body is the one ext_proc already checked and rewrote (the server's own name or URI), so
/// the bridge decides nothing about routing again.
public struct ModernCall: Sendable {
    public let method: String
    /// The client's JSON-RPC id, raw (each retry has a new one: replies carry the latest).
    public let rawID: [UInt8]
    /// What the call names on its server (tool or prompt name, resource URI): a `requestState`
    /// is valid only for the same method and target.
    public let target: String
    /// `{"capabilities":…,"clientInfo":…}` from the envelope, for the backend `initialize`.
    public let clientInit: [UInt8]
    /// `_meta["io.modelcontextprotocol/logLevel"]`: without it the client gets no log messages.
    public let logLevel: String?
    /// `_meta.progressToken` of this request, raw: each retry may carry its own, and the client
    /// matches progress to the request it is waiting on.
    public let progressToken: [UInt8]?
    public let requestState: String?
    /// `inputResponses`: key → the client's result value (raw JSON).
    public let inputResponses: [(key: String, value: [UInt8])]
    private let request: JSONRPCRequest

    static let envelopePrefix = "io.modelcontextprotocol/"
    /// Params only a 2026-07-28 server understands; a handshake server would reject or misread them.
    static let modernOnlyParams: Set<String> = ["inputResponses", "requestState"]

    public init(parsing body: [UInt8]) throws(JSONRPCError) {
        let request = try JSONRPCRequest(parsing: body[...])
        guard request.kind == .request, let id = request.rawID else { throw JSONRPCError.invalidRequest("a bridged call must be a request") }
        self.request = request
        method = request.method
        rawID = Array(id)
        let scanner = request.scanner
        target = request.stringParam(method == "resources/read" ? "uri" : "name")
            ?? request.param("ref").flatMap { ref in
                (scanner.lastMember(named: "name", in: ref) ?? scanner.lastMember(named: "uri", in: ref)).flatMap { scanner.string(at: $0) }
            } ?? ""
        requestState = request.stringParam("requestState")
        var responses: [(String, [UInt8])] = []
        if let given = request.param("inputResponses"), let members = scanner.objectMembers(of: given) {
            responses = members.map { ($0.key, Array(scanner.bytes[$0.value])) }
        }
        inputResponses = responses
        let meta = request.param("_meta").flatMap { scanner.kind(at: $0) == .object ? $0 : nil }
        logLevel = meta.flatMap { scanner.lastMember(named: Self.envelopePrefix + "logLevel", in: $0) }.flatMap { scanner.string(at: $0) }
        progressToken = meta.flatMap { scanner.lastMember(named: "progressToken", in: $0) }.map { Array(scanner.bytes[$0]) }
        var w = JSONWriter(reservingCapacity: 256)
        w.beginObject()
        w.key("capabilities")
        if let meta, let caps = scanner.lastMember(named: Self.envelopePrefix + "clientCapabilities", in: meta),
           scanner.kind(at: caps) == .object {
            w.raw(scanner.bytes[caps])
        } else {
            w.beginObject(); w.endObject()
        }
        if let meta, let info = scanner.lastMember(named: Self.envelopePrefix + "clientInfo", in: meta), scanner.kind(at: info) == .object {
            w.key("clientInfo"); w.beginObject()
            for field in ["name", "version", "title"] {
                if let v = scanner.lastMember(named: field, in: info), let text = scanner.string(at: v) { w.key(field); w.string(text) }
            }
            w.endObject()
        }
        w.endObject()
        clientInit = w.bytes
    }

    /// Whether the client declared `capability` (`elicitation`, `sampling`, `roots`).
    public func declares(_ capability: String) -> Bool {
        guard let scanner = try? JSONScanner(clientInit[...]),
              let caps = scanner.lastMember(named: "capabilities", in: scanner.root) else { return false }
        return scanner.lastMember(named: capability, in: caps) != nil
    }

    /// The same call as a handshake-era request with the gateway's `id`: the envelope keys and the
    /// retry fields removed from params (other `_meta` keys, such as `progressToken`, stay).
    public func handshakeBody(id: [UInt8]) -> [UInt8] {
        let scanner = request.scanner
        var w = JSONWriter(reservingCapacity: request.body.count)
        w.beginObject()
        w.key("jsonrpc"); w.string("2.0")
        w.key("id"); w.raw(id)
        w.key("method"); w.string(method)
        if let params = request.paramsRange, let members = scanner.objectMembers(of: params) {
            w.key("params"); w.beginObject()
            for (key, value) in members where !Self.modernOnlyParams.contains(key) {
                guard key == "_meta", let meta = scanner.objectMembers(of: value) else {
                    w.key(key); w.raw(scanner.bytes[value])
                    continue
                }
                let kept = meta.filter { !$0.key.hasPrefix(Self.envelopePrefix) }
                if kept.isEmpty { continue }
                w.key("_meta"); w.beginObject()
                for (k, v) in kept { w.key(k); w.raw(scanner.bytes[v]) }
                w.endObject()
            }
            w.endObject()
        }
        w.endObject()
        return w.bytes
    }

    /// The client session a bridged call's backend session is opened for: the handshake version
    /// the gateway speaks to servers, and the client's own capabilities and info. Keyed (for
    /// `BackendSessionTable`) by the caller's identity and those facts: one authenticated caller
    /// with one client shape shares one backend session, as a 2025 client would hold one.
    public func backendClient(identityDigest: String, now: UInt64) -> ClientSession {
        let nonce = Array(SHA256Digest.hash(Array("modern-bridge\u{0}\(identityDigest)\u{0}".utf8) + clientInit).prefix(16))
        return ClientSession(token: "", nonce: nonce, issuedAt: now, protocolVersion: ProtocolEra.latestHandshake,
                             identityDigest: identityDigest, clientInit: clientInit,
                             acceptsServerRequests: ClientSession.declaresServerRequestCapabilities(clientInit))
    }
}

/// The bridge's bindings: who a bridged call belongs to.
public enum ModernBridge {
    /// The caller a bridged call's relay ticket and `requestState` are sealed for: its identity
    /// digest (every anonymous caller is one caller; the pending call's 128-bit key, sealed and
    /// encrypted, is what keeps their calls apart).
    public static func caller(identityDigest: String) -> ClientSession {
        ClientSession(token: "", nonce: Array(SHA256Digest.hash(Array("modern-bridge-caller\u{0}\(identityDigest)".utf8)).prefix(16)),
                      issuedAt: 0, protocolVersion: ProtocolEra.latestModern, identityDigest: identityDigest)
    }

    /// The sealed `requestState` for a pending call (`ServerRequestID` sealing, its own purpose):
    /// names the call's key on this replica and what it called, bound to the caller.
    public static func requestState(key: String, server: String, method: String, target: String,
                                    caller: ClientSession, signer: SessionSigner) -> String {
        let sealed = ServerRequestID(server: server, backendSession: key, rawID: Array("\(method) \(target)".utf8), purpose: .bridgedCall)
            .sealed(for: caller, signer: signer)
        return String(decoding: sealed.dropFirst().dropLast(), as: UTF8.self)
    }

    /// The pending call's key a `requestState` names, if the gateway sealed it for this caller,
    /// method and target; nil for anything else (tampered, another caller's, another tool's).
    public static func pendingKey(_ state: String, method: String, target: String, caller: ClientSession,
                                  signer: SessionSigner) -> (key: String, server: String)? {
        guard let opened = ServerRequestID.open(state, for: caller, signer: signer, purpose: .bridgedCall),
              opened.rawID == Array("\(method) \(target)".utf8) else { return nil }
        return (opened.backendSession, opened.server)
    }
}
