import Synchronization

/// How many client sessions this replica issued that have neither ended nor expired: the
/// `mcp_sessions_active` gauge, in bounded memory.
///
/// Up to `capacity` (`limits.maxTrackedSessions`) sessions are tracked one by one, so a DELETE
/// lowers the gauge at once. Past that, a new session is only counted, in a counter per minute
/// of its expiry, and stays counted until that minute passes even if it is DELETEd earlier: the
/// gauge then reads high, never low (an upper bound), and `untracked` says by how much it may.
/// `initialize` is answered locally, so without this cap one client could grow the table by a
/// hundred bytes per request for a whole session lifetime.
public final class SessionGauge: Sendable {
    struct State {
        var tracked: [[UInt8]: Double] = [:]
        /// Expiry minute → sessions counted but not tracked.
        var untracked: [Int: Int] = [:]
        var earliestExpiry = Double.infinity
    }

    private let state = Mutex(State())
    private let capacityValue: Atomic<Int>

    public static let defaultCapacity = 100_000

    public init(capacity: Int = SessionGauge.defaultCapacity) {
        capacityValue = Atomic(max(0, capacity))
    }

    public var capacity: Int {
        get { capacityValue.load(ordering: .relaxed) }
        set { capacityValue.store(max(0, newValue), ordering: .relaxed) }
    }

    public func opened(_ session: ClientSession, expiry: Double, now: Double) {
        let capacity = self.capacity
        state.withLock { s in
            if s.tracked.count >= capacity, now >= s.earliestExpiry { Self.prune(&s, now: now) }
            if s.tracked.count < capacity {
                s.tracked[session.nonce] = expiry
                s.earliestExpiry = min(s.earliestExpiry, expiry)
            } else {
                s.untracked[Int((expiry / 60).rounded(.up)), default: 0] += 1
                // One counter per minute of the session lifetime; expired minutes go here too.
                if s.untracked.count > 2048 { s.untracked = s.untracked.filter { Double($0.key) * 60 > now } }
            }
        }
    }

    /// A DELETE: lowers the gauge when the session is tracked (untracked ones count until expiry).
    public func ended(_ session: ClientSession) {
        _ = state.withLock { $0.tracked.removeValue(forKey: session.nonce) }
    }

    /// Drops what expired, and returns (all active sessions, of which untracked).
    public func count(now: Double) -> (active: Int, untracked: Int) {
        state.withLock { s in
            Self.prune(&s, now: now)
            let untracked = s.untracked.values.reduce(0, +)
            return (s.tracked.count + untracked, untracked)
        }
    }

    public var trackedCount: Int { state.withLock { $0.tracked.count } }

    private static func prune(_ s: inout State, now: Double) {
        s.tracked = s.tracked.filter { $0.value > now }
        s.earliestExpiry = s.tracked.values.min() ?? .infinity
        s.untracked = s.untracked.filter { Double($0.key) * 60 > now }
    }
}
