/// The record replicas share of each (client session, server)'s backend session
/// (`sharedState.redis`), so a client whose requests land on several replicas meets one backend
/// session on a stateful server instead of one per replica.
///
/// Every call blocks for at most the store's timeout: callers run them off the event loops (the
/// backend-session queue). A store that is down or slow answers at once (`.unavailable` / nil)
/// and the replica keeps its own session: availability first, as for shared rate limits.
public protocol SharedSessionStore: Sendable {
    func lookup(_ key: String) -> SharedSessionLookup
    /// Records `session` unless another one is recorded (the first replica wins), or over
    /// `replacing` (a session known dead). Returns the session now recorded, ours or the winner's;
    /// nil when the store is unavailable.
    func claim(_ key: String, session: String, ttlSeconds: Int, replacing: String?) -> String?
    /// Removes each record that still names its session (compare-and-delete: a fresh session
    /// another replica recorded meanwhile is kept).
    func forget(_ records: [(key: String, session: String)])
    /// Removes these records; returns the sessions they named (nil: none, or unavailable).
    func take(_ keys: [String]) -> [String?]
}

public enum SharedSessionLookup: Sendable, Equatable {
    case found(String)
    case absent
    case unavailable
}

/// How a local miss was resolved (a metric label).
public enum SharedSessionOutcome: String, Sendable, CaseIterable {
    /// Another replica had recorded it: no `initialize`.
    case adopted
    /// Created here and recorded for the others.
    case created
    /// Created here while another replica recorded its own first: ours is ended, theirs used.
    case lostRace = "lost_race"
    /// The store was unavailable (or the client session is about to expire): this replica's own.
    case local
}

public enum SharedBackendSessions {
    /// The record's key (the store adds its prefix): the client session's nonce names it on every replica.
    public static func key(nonce: [UInt8], server: String) -> String {
        "bs:" + Base64URL.encode(nonce) + ":" + server
    }

    /// On a local miss: adopt the recorded session, or create one and record it; a creation race
    /// between replicas is settled by the store (the loser ends its own session and adopts the
    /// winner's). `replacing` is a session the caller saw die (404): never adopted, overwritten.
    public static func resolve(store: any SharedSessionStore, key: String, ttlSeconds: Int, replacing: String?,
                               create: () -> Result<String, JSONRPCError>, end: (String) -> Void)
        -> (Result<String, JSONRPCError>, SharedSessionOutcome?) {
        var available = true
        switch store.lookup(key) {
        case .found(let id) where id != replacing: return (.success(id), .adopted)
        case .found, .absent: break
        case .unavailable: available = false
        }
        let created = create()
        guard case .success(let mine) = created else { return (created, nil) }
        guard available, ttlSeconds > 0, let recorded = store.claim(key, session: mine, ttlSeconds: ttlSeconds, replacing: replacing) else {
            return (created, .local)
        }
        guard recorded != mine else { return (created, .created) }
        end(mine)
        return (.success(recorded), .lostRace)
    }
}

/// What a `BackendSessionTable` tells the shared record when it forgets sessions. Called on event
/// loops: implementations hand the store work to a queue and return at once.
public protocol BackendSessionSharing: Sendable {
    /// These sessions are dead (the server answered 404, or restarted).
    func forgot(_ records: [(key: String, session: String)])
    /// The client session ended (DELETE): remove its records for every server, and end the
    /// backend sessions other replicas opened that this one did not know (`known` it ends itself).
    func ended(nonce: [UInt8], known: [(server: String, session: String)])
}
