import MCPGateway
import Synchronization

/// Everything the MCP processor needs, shared by all streams. The router is swapped whole on a
/// config reload; each request reads it once.
public final class MCPProcessorContext: Sendable {
    private let routerBox: Mutex<MCPRouter>
    public let catalog: CatalogStore
    public let backendSessions: BackendSessionTable
    /// Re-sends a forwarded request straight to its server on a fresh backend session, for the
    /// transparent recovery of an expired one. Calls back on any thread.
    public let retryDirect: @Sendable (ForwardPlan, String, @escaping @Sendable (Result<DirectReply, JSONRPCError>) -> Void) -> Void
    /// Ends backend sessions when their client session ends.
    public let endBackendSession: @Sendable (_ server: String, _ session: String) -> Void
    public let observer: MCPRequestObserver

    public init(router: MCPRouter, catalog: CatalogStore, backendSessions: BackendSessionTable,
                retryDirect: @escaping @Sendable (ForwardPlan, String, @escaping @Sendable (Result<DirectReply, JSONRPCError>) -> Void) -> Void,
                endBackendSession: @escaping @Sendable (String, String) -> Void, observer: MCPRequestObserver = NoObserver()) {
        self.routerBox = Mutex(router)
        self.catalog = catalog
        self.backendSessions = backendSessions
        self.retryDirect = retryDirect
        self.endBackendSession = endBackendSession
        self.observer = observer
    }

    public var router: MCPRouter { routerBox.withLock { $0 } }

    public func replaceRouter(_ router: MCPRouter) {
        routerBox.withLock { $0 = router }
    }
}

/// A response obtained by the gateway itself from a server.
public struct DirectReply: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public init(status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}

/// Governance hooks: rate limits before a call leaves, metrics and audit once its fate is known.
public protocol MCPRequestObserver: Sendable {
    /// The gateway answered itself (lists, handshakes, errors, refused calls).
    func answeredLocally(_ reply: LocalReply, caller: CallerIdentity?, session: ClientSession?, requestID: String?)
    /// A forwarded call got its response headers (or a gateway error in their place).
    func forwarded(_ plan: ForwardPlan, caller: CallerIdentity?, requestID: String?, status: Int, outcome: String, seconds: Double)
    /// A call refused by a rate limit.
    func rateLimited(_ plan: ForwardPlan, caller: CallerIdentity?, requestID: String?)
}

public struct NoObserver: MCPRequestObserver {
    public init() {}
    public func answeredLocally(_ reply: LocalReply, caller: CallerIdentity?, session: ClientSession?, requestID: String?) {}
    public func forwarded(_ plan: ForwardPlan, caller: CallerIdentity?, requestID: String?, status: Int, outcome: String, seconds: Double) {}
    public func rateLimited(_ plan: ForwardPlan, caller: CallerIdentity?, requestID: String?) {}
}
