/// What the gateway decided to do with one MCP request. Envoy adapters turn it into ext_proc
/// replies; the core never sees Envoy.
public enum RouteDecision: Sendable {
    /// Answer from the gateway itself: no backend traffic.
    case reply(LocalReply)
    /// Let Envoy forward the (rewritten) request to a server's cluster.
    case forward(ForwardPlan)
    /// Route to the gateway's own streaming endpoint (GET listen stream, subscriptions/listen).
    case stream(StreamPlan)
    /// Answer after asking each of the client's backend sessions on these servers (`tasks/list`).
    case gather(GatherPlan)
}

public struct GatherPlan: Sendable, Equatable {
    public var session: ClientSession
    /// The client's id, raw JSON.
    public var rawID: [UInt8]
    public var method: String
    /// Servers to ask (those that support the method and the caller may use).
    public var servers: [String]
}

public struct LocalReply: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]
    public var contentType: String
    public var headers: [(String, String)]
    /// Set when this reply opened a session (initialize).
    public var newSession: ClientSession?
    /// Set when this reply ended a session (DELETE): the adapter tears down backend sessions.
    public var endedSession: ClientSession?
    /// The JSON-RPC method answered (for `mcp_requests_total`), and for a refused tool call the
    /// tool and why (for the audit trail and `mcp_tool_calls_total`).
    public var rpcMethod: String?
    public var refusedTool: String?
    public var refusal: String?
    /// A client message every backend session of the client must also get (cancellation,
    /// roots changed, log level): the adapter sends it after answering.
    public var broadcast: ClientBroadcast?

    public init(status: Int, body: [UInt8], contentType: String = "application/json", headers: [(String, String)] = [],
                newSession: ClientSession? = nil, endedSession: ClientSession? = nil) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.headers = headers
        self.newSession = newSession
        self.endedSession = endedSession
    }

    public static func == (a: LocalReply, b: LocalReply) -> Bool {
        a.status == b.status && a.body == b.body && a.contentType == b.contentType
            && a.headers.map { "\($0.0):\($0.1)" } == b.headers.map { "\($0.0):\($0.1)" }
            && a.newSession == b.newSession && a.endedSession == b.endedSession
    }
}

public struct ForwardPlan: Sendable {
    public var server: ServerConfig
    public var era: ProtocolEra
    /// The body to send upstream (the public name replaced by the server's own).
    public var body: [UInt8]
    /// Handshake era: the client session whose backend session must be attached.
    public var clientSession: ClientSession?
    public var setHeaders: [(String, String)]
    public var removeHeaders: [String]
    /// For logs, metrics, audit and error replies.
    public var rpcMethod: String
    public var publicName: String
    public var originalName: String
    public var rawID: [UInt8]
    /// Argument names for the audit line, when the config opts in (never values).
    public var argumentNames: [String] = []
    /// The backend session to use instead of the client session's current one (an answer to a
    /// server→client request goes to the session that asked).
    public var backendSession: String?
    /// Set for a request that came without a session (a plain client): whose backend session it uses.
    public var sessionless: SessionlessScope?
    /// The gateway relays this call itself (its HTTP port, with a `RelayTicket`) instead of
    /// letting Envoy forward it: the client accepts server→client requests, whose ids must be
    /// rewritten on the way out.
    public var relayed = false

    public init(server: ServerConfig, era: ProtocolEra, body: [UInt8], clientSession: ClientSession?, setHeaders: [(String, String)],
                removeHeaders: [String], rpcMethod: String, publicName: String, originalName: String, rawID: [UInt8]) {
        self.server = server
        self.era = era
        self.body = body
        self.clientSession = clientSession
        self.setHeaders = setHeaders
        self.removeHeaders = removeHeaders
        self.rpcMethod = rpcMethod
        self.publicName = publicName
        self.originalName = originalName
        self.rawID = rawID
    }
}

public struct StreamPlan: Sendable, Equatable {
    /// The verified session for a handshake-era GET stream; nil for subscriptions/listen.
    public var session: ClientSession?
    public var era: ProtocolEra

    public init(session: ClientSession?, era: ProtocolEra) {
        self.session = session
        self.era = era
    }
}

/// A client message the gateway also hands to each of the client's backend sessions.
public struct ClientBroadcast: Sendable, Equatable {
    public var session: ClientSession
    public var body: [UInt8]
    /// For `logging/setLevel`: recorded so backend sessions opened later get it too.
    public var logLevel: String?
    /// Set instead when the message answers an input request of a bridged call
    /// (`InputRequiredExchange`): it goes to that call, not to backend sessions.
    public var inputAnswer: InputAnswer?

    public init(session: ClientSession, body: [UInt8], logLevel: String? = nil) {
        self.session = session
        self.body = body
        self.logLevel = logLevel
    }
}

/// Whose backend session a sessionless request runs on.
public enum SessionlessScope: Sendable, Equatable {
    /// The authenticated caller's own (kept, like a session's).
    case perIdentity
    /// A session opened for this one call and ended when it completes (no identity to key it by).
    case perCall
}

/// The client session a sessionless request stands in for. Never issued to a client (its token
/// is empty); its nonce keys backend sessions: derived from the identity, or random per call.
public enum ImplicitSession {
    public static func `for`(identityDigest: String, protocolVersion: String?, now: UInt64) -> ClientSession {
        let nonce = identityDigest.isEmpty ? SecureRandom.bytes(16)
            : Array(SHA256Digest.hash(Array("sessionless\u{0}\(identityDigest)".utf8)).prefix(16))
        let version = protocolVersion.flatMap { ProtocolEra.handshakeVersions.contains($0) ? $0 : nil } ?? ProtocolEra.defaultNegotiated
        return ClientSession(token: "", nonce: nonce, issuedAt: now, protocolVersion: version, identityDigest: identityDigest)
    }
}
