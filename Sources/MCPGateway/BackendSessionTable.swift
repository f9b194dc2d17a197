import Synchronization

/// Maps (client session, server) to the backend's own `Mcp-Session-Id`, creating it on first use.
///
/// Creation is asynchronous (an `initialize` round trip) and de-duplicated: concurrent first
/// calls for the same pair wait on one creation instead of opening two backend sessions. The
/// table is sharded so calls from different clients rarely meet on one lock.
public final class BackendSessionTable: Sendable {
    public typealias Completion = @Sendable (Result<String, JSONRPCError>) -> Void
    /// Creates (or, with shared state, finds) the backend session a request describes; calls back
    /// on any thread.
    public typealias Creator = @Sendable (_ request: BackendSessionRequest, _ completion: @escaping Completion) -> Void

    struct Key: Hashable {
        let nonce: [UInt8]
        let server: String
    }

    enum Entry {
        /// The backend session, and when its client session expires (then it is forgotten).
        case ready(String, expires: Double)
        case creating([Completion])
    }

    /// Per shard: client session nonce → its servers' entries, so ending a session is one lookup.
    final class Shard: Sendable {
        let table = Mutex<[[UInt8]: [String: Entry]]>([:])
        /// `logging/setLevel` per client session, applied to backend sessions opened later.
        /// Pruned with the table (a level without backend sessions is dropped at the next prune).
        let logLevels = Mutex<[[UInt8]: String]>([:])
    }

    private let shards: [Shard]
    private let creator: Creator
    /// Client sessions are stateless tokens that clients rarely DELETE: entries are forgotten once
    /// their client session has expired, checked whenever a shard grows past a threshold.
    /// Seconds; a reload may change it (`session.ttlSeconds`), applied to entries made after.
    private let sessionTTLSeconds: Atomic<Int>
    private let clock: @Sendable () -> Double
    private let pruneThreshold: Int
    /// The record replicas share (`sharedState.redis`), told what this table forgets; nil: none.
    private let sharing: (any BackendSessionSharing)?

    public init(shardCount: Int = 16, sessionTTL: Double = 24 * 3600, clock: @escaping @Sendable () -> Double = { 0 },
                pruneThreshold: Int = 4096, sharing: (any BackendSessionSharing)? = nil, creator: @escaping Creator) {
        shards = (0..<shardCount).map { _ in Shard() }
        self.creator = creator
        self.sessionTTLSeconds = Atomic(Int(sessionTTL))
        self.sharing = sharing
        self.clock = clock
        self.pruneThreshold = pruneThreshold
    }

    /// The client session lifetime used to forget entries.
    public var sessionTTL: Double {
        get { Double(sessionTTLSeconds.load(ordering: .relaxed)) }
        set { sessionTTLSeconds.store(Int(newValue), ordering: .relaxed) }
    }

    private func shard(_ key: Key) -> Shard {
        shards[Int(key.nonce.first ?? 0) % shards.count]
    }

    /// Calls back with the backend session for this client session and server, creating it
    /// if needed. Immediate (same thread) when it already exists. `replacing`: the session the
    /// caller just saw die, which a creation must not adopt from the shared record.
    public func withSession(client: ClientSession, server: String, replacing: String? = nil, _ completion: @escaping Completion) {
        let key = Key(nonce: client.nonce, server: server)
        enum Action { case done(String), wait, create }
        let action: Action = shard(key).table.withLock { table in
            switch table[key.nonce]?[server] {
            case .ready(let id, _)?: return .done(id)
            case .creating(var waiters)?:
                waiters.append(completion)
                table[key.nonce, default: [:]][server] = .creating(waiters)
                return .wait
            case nil:
                table[key.nonce, default: [:]][server] = .creating([completion])
                return .create
            }
        }
        switch action {
        case .done(let id): completion(.success(id))
        case .wait: break
        case .create:
            let level = shard(key).logLevels.withLock { $0[key.nonce] }
            let request = BackendSessionRequest(server: server, client: client, logLevel: level, shared: true, replacing: replacing,
                                                expires: Double(client.issuedAt) + sessionTTL)
            creator(request) { [self] result in
                let waiters: [Completion] = shard(key).table.withLock { table in
                    guard case .creating(let w)? = table[key.nonce]?[server] else { return [] }
                    if case .success(let id) = result {
                        table[key.nonce, default: [:]][server] = .ready(id, expires: Double(client.issuedAt) + self.sessionTTL)
                        if table.count > pruneThreshold { prune(&table) }
                    } else {
                        table[key.nonce]?[server] = nil
                        if table[key.nonce]?.isEmpty == true { table[key.nonce] = nil }
                    }
                    return w
                }
                for w in waiters { w(result) }
            }
        }
    }

    /// Opens a backend session that is not recorded (for one sessionless call, ended after it).
    public func createUnshared(client: ClientSession, server: String, _ completion: @escaping Completion) {
        creator(BackendSessionRequest(server: server, client: client, logLevel: nil, shared: false, replacing: nil,
                                      expires: Double(client.issuedAt) + sessionTTL), completion)
    }

    /// Records a client's `logging/setLevel` and returns its ready backend sessions, to which the
    /// caller sends it; sessions opened later get it from the creator.
    public func setLogLevel(client: ClientSession, level: String) -> [(server: String, session: String)] {
        let key = Key(nonce: client.nonce, server: "")
        let s = shard(key)
        s.logLevels.withLock { levels in
            levels[client.nonce] = level
            if levels.count > pruneThreshold {
                let live = s.table.withLock { Set($0.keys) }
                levels = levels.filter { live.contains($0.key) || $0.key == client.nonce }
            }
        }
        return sessions(client: client)
    }

    /// The level the client set with `logging/setLevel`, if any (stamped on bridged 2026-07-28 calls).
    public func logLevel(client: ClientSession) -> String? {
        shard(Key(nonce: client.nonce, server: "")).logLevels.withLock { $0[client.nonce] }
    }

    /// The ready backend sessions of a client session (for notifications that concern all of them).
    public func sessions(client: ClientSession) -> [(server: String, session: String)] {
        let key = Key(nonce: client.nonce, server: "")
        return shard(key).table.withLock { table in
            (table[client.nonce] ?? [:]).compactMap { server, entry in
                if case .ready(let id, _) = entry { return (server, id) }
                return nil
            }.sorted { $0.0 < $1.0 }
        }
    }

    private func prune(_ table: inout [[UInt8]: [String: Entry]]) {
        let now = clock()
        table = table.filter { _, servers in
            servers.values.contains { entry in
                if case .ready(_, let expires) = entry { return expires > now }
                return true
            }
        }
    }

    /// Forgets a backend session the server no longer knows (it answered 404), if it is still
    /// the one recorded, so the next call creates a fresh one.
    public func invalidate(client: ClientSession, server: String, backendSession: String) {
        let key = Key(nonce: client.nonce, server: server)
        shard(key).table.withLock { table in
            if case .ready(let id, _)? = table[key.nonce]?[server], id == backendSession { table[key.nonce]?[server] = nil }
        }
        sharing?.forgot([(SharedBackendSessions.key(nonce: client.nonce, server: server), backendSession)])
    }

    /// Forgets every ready backend session with `server` (it restarted: none of them is valid any
    /// more), so the next call of each client opens a fresh one instead of meeting a 404. Returns
    /// how many were forgotten. A scan of every shard: for a rare event, never per request.
    @discardableResult
    public func invalidateAll(server: String) -> Int {
        var forgotten: [(key: String, session: String)] = []
        for shard in shards {
            shard.table.withLock { table in
                for (nonce, servers) in table {
                    guard case .ready(let id, _)? = servers[server] else { continue }
                    table[nonce]?[server] = nil
                    forgotten.append((SharedBackendSessions.key(nonce: nonce, server: server), id))
                }
            }
        }
        if !forgotten.isEmpty { sharing?.forgot(forgotten) }
        return forgotten.count
    }

    /// Removes and returns every backend session of a client session (on DELETE). Calls still
    /// waiting for a creation are answered "session not found" rather than left hanging: the
    /// creation's own completion no longer finds their entry.
    public func removeAll(client: ClientSession) -> [(server: String, session: String)] {
        var out: [(String, String)] = []
        var orphaned: [Completion] = []
        let key = Key(nonce: client.nonce, server: "")
        _ = shard(key).logLevels.withLock { $0.removeValue(forKey: client.nonce) }
        shard(key).table.withLock { table in
            for (server, entry) in table.removeValue(forKey: client.nonce) ?? [:] {
                switch entry {
                case .ready(let id, _): out.append((server, id))
                case .creating(let waiters): orphaned += waiters
                }
            }
        }
        for w in orphaned { w(.failure(.unknownSession())) }
        sharing?.ended(nonce: client.nonce, known: out)
        return out
    }

    /// Backend sessions held (ready or being created).
    public var count: Int {
        shards.reduce(0) { sum, shard in sum + shard.table.withLock { $0.values.reduce(0) { $0 + $1.count } } }
    }
}

/// What the table asks its creator for.
public struct BackendSessionRequest: Sendable {
    public let server: String
    /// Whose session: its capabilities and client info go into `initialize`.
    public let client: ClientSession
    /// The client's `logging/setLevel`, if it set one before this session existed.
    public let logLevel: String?
    /// Recorded for other replicas (false: a one-call session, ended after it).
    public let shared: Bool
    /// A session that answered 404: a shared record naming it is overwritten, never adopted.
    public let replacing: String?
    /// When the client session expires (Unix seconds): the shared record's lifetime.
    public let expires: Double

    public init(server: String, client: ClientSession, logLevel: String?, shared: Bool, replacing: String?, expires: Double) {
        self.server = server
        self.client = client
        self.logLevel = logLevel
        self.shared = shared
        self.replacing = replacing
        self.expires = expires
    }
}
