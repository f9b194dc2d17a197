import Synchronization

/// Idle keep-alive connections per origin, so repeated calls to the same backend skip the TCP
/// and TLS handshakes.
///
/// Last-in first-out: the most recently used connection is the least likely to have been
/// closed by the server's idle timer. Expired connections are closed whenever the pool is
/// touched, so an origin that is no longer called does not hold sockets for long.
final class ConnectionPool: Sendable {
    private let idle = Mutex<[Origin: [Connection]]>([:])
    let maxIdlePerOrigin: Int
    let idleTimeout: Double
    /// Probe a connection before reuse (peek for EOF or stray bytes). Only tests turn it off,
    /// to exercise the stale-connection retry.
    let checksLiveness: Bool

    init(maxIdlePerOrigin: Int, idleTimeout: Double, checksLiveness: Bool = true) {
        self.maxIdlePerOrigin = maxIdlePerOrigin
        self.idleTimeout = idleTimeout
        self.checksLiveness = checksLiveness
    }

    /// An idle connection to `origin` that still looks alive, or nil.
    func take(_ origin: Origin) -> Connection? {
        while true {
            let (candidate, expired) = idle.withLock { map -> (Connection?, [Connection]) in
                let expired = prune(&map)
                let candidate = map[origin]?.popLast()
                if map[origin]?.isEmpty == true { map[origin] = nil }
                return (candidate, expired)
            }
            for connection in expired { connection.close() }
            guard let connection = candidate else { return nil }
            if !checksLiveness || connection.isIdleAndOpen() { return connection }
            connection.close()
        }
    }

    /// Parks a connection whose last response completed cleanly.
    func put(_ connection: Connection) {
        guard maxIdlePerOrigin > 0 else { connection.close(); return }
        connection.markIdle()
        let evicted = idle.withLock { map -> [Connection] in
            var evicted = prune(&map)
            var list = map[connection.origin] ?? []
            list.append(connection)
            if list.count > maxIdlePerOrigin { evicted.append(list.removeFirst()) }
            map[connection.origin] = list
            return evicted
        }
        for connection in evicted { connection.close() }
    }

    func closeAll() {
        let all = idle.withLock { map -> [Connection] in
            let all = map.values.flatMap { $0 }
            map = [:]
            return all
        }
        for connection in all { connection.close() }
    }

    var idleCount: Int { idle.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    /// Removes connections idle longer than `idleTimeout`; the caller closes them outside the lock.
    private func prune(_ map: inout [Origin: [Connection]]) -> [Connection] {
        let now = Deadline.now().nanoseconds, timeout = UInt64(max(0, idleTimeout) * 1e9)
        let cutoff = now > timeout ? now - timeout : 0
        var expired: [Connection] = []
        for (origin, list) in map {
            let keep = list.filter { $0.idleSince.nanoseconds >= cutoff }
            if keep.count != list.count {
                expired.append(contentsOf: list.filter { $0.idleSince.nanoseconds < cutoff })
                map[origin] = keep.isEmpty ? nil : keep
            }
        }
        return expired
    }
}
