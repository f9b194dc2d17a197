import JSONWire
import Logging
import MCPGateway
import Synchronization
import TokenAuth

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
    /// Hands a client message to each of the client's backend sessions (in the background).
    public let broadcast: @Sendable (ClientBroadcast) -> Void
    /// Answers a request that needs every backend session of the client (`tasks/list`): calls
    /// back, on any thread, with the JSON-RPC reply body.
    public let gather: @Sendable (GatherPlan, @escaping @Sendable ([UInt8]) -> Void) -> Void

    public init(router: MCPRouter, catalog: CatalogStore, backendSessions: BackendSessionTable,
                retryDirect: @escaping @Sendable (ForwardPlan, String, @escaping @Sendable (Result<DirectReply, JSONRPCError>) -> Void) -> Void,
                endBackendSession: @escaping @Sendable (String, String) -> Void, observer: MCPRequestObserver = NoObserver(),
                broadcast: @escaping @Sendable (ClientBroadcast) -> Void = { _ in },
                gather: @escaping @Sendable (GatherPlan, @escaping @Sendable ([UInt8]) -> Void) -> Void = { plan, done in
                    done(JSONRPCReply.result(id: plan.rawID.isEmpty ? nil : plan.rawID[...]) { w in
                        w.beginObject(); w.key("tasks"); w.beginArray(); w.endArray(); w.endObject()
                    })
                }) {
        self.routerBox = Mutex(router)
        self.catalog = catalog
        self.backendSessions = backendSessions
        self.retryDirect = retryDirect
        self.endBackendSession = endBackendSession
        self.observer = observer
        self.broadcast = broadcast
        self.gather = gather
    }

    public var router: MCPRouter { routerBox.withLock { $0 } }

    private let admissionBox = Mutex<CallerAdmission?>(nil)

    /// Reviews callers' tokens in ext_proc's headers message, for Envoy configs without ext_authz
    /// in front (the shipped default: one gRPC exchange per request instead of two). Requests that
    /// already carry ext_authz's identity are not reviewed again.
    public var admission: CallerAdmission? { admissionBox.withLock { $0 } }

    public func authenticateCallers(with admission: CallerAdmission) {
        admissionBox.withLock { $0 = admission }
    }

    public func replaceRouter(_ router: MCPRouter) {
        routerBox.withLock { $0 = router }
    }

    /// A server answered 404 to a backend session we attached: forget it, so the next call on the
    /// client session opens a fresh one (the failed call itself reached the client; the response
    /// phase, when configured, recovers it transparently instead).
    func backendSessionRejected(_ record: ForwardRecord) {
        guard let client = router.signer.verify(record.clientSession, now: UInt64(WallClock.unixSeconds())) else { return }
        backendSessions.invalidate(client: client, server: record.server, backendSession: record.backendSession)
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
    /// A forwarded request ended: reported by Envoy's access log (or by the response phase, when
    /// the Envoy config sends response headers).
    func forwarded(_ record: ForwardRecord, caller: CallerIdentity?, requestID: String?, status: Int, outcome: String, seconds: Double)
    /// ext_proc let Envoy forward a request to its server (its end is reported by `forwarded`).
    func forwarding(_ plan: ForwardPlan)
    /// A call refused by a rate limit.
    func rateLimited(_ plan: ForwardPlan, caller: CallerIdentity?, requestID: String?)
    /// ext_proc sent an event stream (a handshake-era GET, or `subscriptions/listen`) to the
    /// gateway's stream endpoint.
    func streaming(_ plan: StreamPlan)
}

extension MCPRequestObserver {
    public func streaming(_ plan: StreamPlan) {}
}

public struct NoObserver: MCPRequestObserver {
    public init() {}
    public func answeredLocally(_ reply: LocalReply, caller: CallerIdentity?, session: ClientSession?, requestID: String?) {}
    public func forwarded(_ record: ForwardRecord, caller: CallerIdentity?, requestID: String?, status: Int, outcome: String, seconds: Double) {}
    public func forwarding(_ plan: ForwardPlan) {}
    public func rateLimited(_ plan: ForwardPlan, caller: CallerIdentity?, requestID: String?) {}
}
