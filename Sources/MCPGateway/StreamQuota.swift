import Synchronization

/// Caps the event streams (GET streams, `subscriptions/listen`, relayed calls) the gateway's
/// stream port holds open per client session and per identity.
///
/// Every stream holds a connection through Envoy's `mcp_gateway_streams` cluster and a slot in
/// the hub; without a per-caller cap one caller opening a thousand streams exhausted what
/// everyone shares. Callers without an identity (no `auth`) count as one identity, `anonymous`.
/// Entries exist only while streams are open, so memory follows the open streams.
public final class StreamQuota: Sendable {
    public struct Limits: Sendable, Equatable {
        public var perSession: Int
        public var perIdentity: Int

        public init(perSession: Int, perIdentity: Int) {
            self.perSession = perSession
            self.perIdentity = perIdentity
        }
    }

    /// What a granted stream holds; give it back with `release` when the stream ends.
    public struct Ticket: Sendable {
        let session: [UInt8]?
        let identity: String
    }

    struct Open {
        var sessions: [[UInt8]: Int] = [:]
        var identities: [String: Int] = [:]
    }

    private let open = Mutex(Open())

    public init() {}

    public static func identityKey(_ digest: String) -> String { digest.isEmpty ? "anonymous" : digest }

    public func acquire(session: ClientSession?, identityDigest: String, limits: Limits) -> Result<Ticket, StreamQuotaError> {
        let identity = Self.identityKey(identityDigest)
        return open.withLock { o in
            if let s = session, o.sessions[s.nonce, default: 0] >= limits.perSession {
                return .failure(.perSession(limit: limits.perSession))
            }
            if o.identities[identity, default: 0] >= limits.perIdentity {
                return .failure(.perIdentity(limit: limits.perIdentity))
            }
            if let s = session { o.sessions[s.nonce, default: 0] += 1 }
            o.identities[identity, default: 0] += 1
            return .success(Ticket(session: session?.nonce, identity: identity))
        }
    }

    public func release(_ ticket: Ticket) {
        open.withLock { o in
            if let s = ticket.session {
                let n = o.sessions[s, default: 1] - 1
                o.sessions[s] = n > 0 ? n : nil
            }
            let n = o.identities[ticket.identity, default: 1] - 1
            o.identities[ticket.identity] = n > 0 ? n : nil
        }
    }

    public func openStreams(identityDigest: String) -> Int {
        open.withLock { $0.identities[Self.identityKey(identityDigest), default: 0] }
    }
}

/// A stream refused by `StreamQuota`; converted to an HTTP 429 with a JSON-RPC error at the port.
public enum StreamQuotaError: Error, Sendable, Equatable {
    case perSession(limit: Int)
    case perIdentity(limit: Int)

    public var code: String {
        switch self {
        case .perSession: "streams_per_session"
        case .perIdentity: "streams_per_identity"
        }
    }

    public var jsonRPCError: JSONRPCError {
        let what = switch self {
        case .perSession(let limit): "this session has \(limit) streams open (limits.maxStreamsPerSession)"
        case .perIdentity(let limit): "this caller has \(limit) streams open (limits.maxStreamsPerIdentity)"
        }
        return JSONRPCError(code: -32000, message: "Too Many Requests: \(what); close one first",
                            dataJSON: "{\"reason\":\"\(code)\"}", fixedHTTPStatus: 429)
    }
}
