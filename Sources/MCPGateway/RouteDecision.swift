/// What the gateway decided to do with one MCP request. Envoy adapters turn it into ext_proc
/// replies; the core never sees Envoy.
public enum RouteDecision: Sendable {
    /// Answer from the gateway itself: no backend traffic.
    case reply(LocalReply)
    /// Let Envoy forward the (rewritten) request to a server's cluster.
    case forward(ForwardPlan)
    /// Route to the gateway's own streaming endpoint (GET listen stream, subscriptions/listen).
    case stream(StreamPlan)
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
    /// The tool's metrics slot (-1 for prompts, resources, completions).
    public var metricsSlot: Int = -1
    /// Argument names for the audit line, when the config opts in (never values).
    public var argumentNames: [String] = []

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
}
