import JSONWire
import Synchronization

/// Every handshake-era client session's `resources/subscribe` of a 2026-07-28-only server's
/// resource, in this replica's memory (`ResourceSubscriptionSet` per session).
///
/// The router records a subscription and answers `{}` itself: the server has no session to hold
/// it. Whoever delivers the updates (the client's GET stream, which holds a `subscriptions/listen`
/// on the server for the session's URIs) learns of each change through `onChange` and reads the
/// current set again, so the last change always wins however calls interleave.
///
/// Bounded: `perSession` URIs per session and `total` over all sessions (the config's
/// `limits.maxBridgedSubscriptionsPerSession` and `limits.maxBridgedSubscriptions`, read on each
/// subscribe); past either the subscribe gets a JSON-RPC error naming the limit. A session's set
/// is dropped when it is DELETEd, and, once the table is full, when the session has expired.
/// Not shared between replicas: a client whose requests reach several replicas subscribes on
/// each (its GET stream's replica is the one that delivers).
public final class BridgedSubscriptions: Sendable {
    struct Entry {
        var set: ResourceSubscriptionSet
        /// When the client session expires (its set is useless after).
        var expires: Double
    }

    struct Table {
        var entries: [[UInt8]: Entry] = [:]
        var total = 0
        /// No entry expires before this: pruning earlier finds nothing.
        var earliestExpiry = Double.infinity
    }

    public struct Limits: Sendable, Equatable {
        public var perSession: Int
        public var total: Int

        public init(perSession: Int, total: Int) {
            self.perSession = perSession
            self.total = total
        }
    }

    private let table = Mutex(Table())
    private let hook = Mutex<(@Sendable (_ client: [UInt8], _ server: String) -> Void)?>(nil)

    public init() {}

    /// Called (outside the lock) after a session's URIs on a server changed: with the session's
    /// nonce and the server's name. One hook; setting it again replaces it.
    public func onChange(_ hook: @escaping @Sendable (_ client: [UInt8], _ server: String) -> Void) {
        self.hook.withLock { $0 = hook }
    }

    /// URIs held over every session.
    public var total: Int { table.withLock { $0.total } }

    /// The session's subscriptions now.
    public func set(client nonce: [UInt8]) -> ResourceSubscriptionSet {
        table.withLock { $0.entries[nonce]?.set ?? ResourceSubscriptionSet() }
    }

    /// Records `uri` (the server's own) for the session; nil when recorded (or already), else the
    /// error for the client.
    public func subscribe(_ session: ClientSession, server: String, uri: String, expires: Double, now: Double,
                          limits: Limits) -> JSONRPCError? {
        let admission: Admission = table.withLock { t in
            var entry = t.entries[session.nonce] ?? Entry(set: ResourceSubscriptionSet(), expires: expires)
            switch entry.set.subscribe(server: server, uri: uri, limit: limits.perSession) {
            case .unchanged: return .unchanged
            case .full: return .refused(Self.sessionFull(limits.perSession))
            case .added: break
            }
            if t.total >= limits.total { Self.pruneExpired(&t, now: now) }
            guard t.total < limits.total else { return .refused(Self.gatewayFull(limits.total)) }
            t.entries[session.nonce] = entry
            t.total += 1
            t.earliestExpiry = min(t.earliestExpiry, entry.expires)
            return .added
        }
        switch admission {
        case .added:
            notify(session.nonce, server)
            return nil
        case .unchanged:
            return nil
        case .refused(let error):
            return error
        }
    }

    private enum Admission {
        case added, unchanged, refused(JSONRPCError)
    }

    /// Forgets `uri` for the session (no error if it was not subscribed).
    public func unsubscribe(_ session: ClientSession, server: String, uri: String) {
        let removed = table.withLock { t -> Bool in
            guard var entry = t.entries[session.nonce], entry.set.unsubscribe(server: server, uri: uri) else { return false }
            t.entries[session.nonce] = entry.set.isEmpty ? nil : entry
            t.total -= 1
            return true
        }
        if removed { notify(session.nonce, server) }
    }

    /// The session ended (DELETE): its subscriptions go, and their listens with them.
    public func end(_ session: ClientSession) {
        let servers = table.withLock { t -> [String] in
            guard let entry = t.entries.removeValue(forKey: session.nonce) else { return [] }
            t.total -= entry.set.count
            return entry.set.servers
        }
        for server in servers { notify(session.nonce, server) }
    }

    private func notify(_ nonce: [UInt8], _ server: String) {
        hook.withLock { $0 }?(nonce, server)
    }

    /// Drops the sets of expired sessions (only when one may have expired).
    static func pruneExpired(_ t: inout Table, now: Double) {
        guard now >= t.earliestExpiry else { return }
        t.entries = t.entries.filter { $0.value.expires > now }
        t.total = t.entries.values.reduce(0) { $0 + $1.set.count }
        t.earliestExpiry = t.entries.values.map(\.expires).min() ?? .infinity
    }

    /// A server's `resources/updated` as the subscribed handshake-era client gets it: the
    /// federated URI, as from a handshake-era server (no listen's subscription id).
    public static func updated(server: String, uri: String) -> [UInt8] {
        var w = JSONWriter(reservingCapacity: 160)
        w.beginObject()
        w.key("jsonrpc"); w.string("2.0")
        w.key("method"); w.string("notifications/resources/updated")
        w.key("params"); w.beginObject(); w.key("uri"); w.string(FederatedNaming.publicURI(server: server, uri: uri)); w.endObject()
        w.endObject()
        return w.bytes
    }

    static func sessionFull(_ limit: Int) -> JSONRPCError {
        JSONRPCError(code: -32000, message: "This session holds as many resource subscriptions of 2026-07-28 servers as it may "
                     + "(limits.maxBridgedSubscriptionsPerSession, \(limit)): unsubscribe one first")
    }

    static func gatewayFull(_ limit: Int) -> JSONRPCError {
        JSONRPCError(code: -32000, message: "The gateway holds as many resource subscriptions of 2026-07-28 servers as it may "
                     + "(limits.maxBridgedSubscriptions, \(limit)); retry later")
    }
}
