import Synchronization

/// Session ids ended with DELETE, remembered until they would have expired anyway.
///
/// Ids are self-contained, so ending one means remembering it. Lookups skip the lock entirely
/// while nothing is revoked (the common case), via an atomic count.
public final class SessionRevocations: Sendable {
    private let revoked = Mutex<[[UInt8]: Double]>([:])
    private let count = Atomic<Int>(0)

    public init() {}

    public func revoke(_ session: ClientSession, until expiry: Double) {
        let n = revoked.withLock { table -> Int in
            table[session.nonce] = expiry
            return table.count
        }
        count.store(n, ordering: .releasing)
    }

    public func isRevoked(_ session: ClientSession) -> Bool {
        guard count.load(ordering: .acquiring) > 0 else { return false }
        return revoked.withLock { $0[session.nonce] != nil }
    }

    /// Drops entries past their expiry, bounding memory.
    public func prune(now: Double) {
        let n = revoked.withLock { table -> Int in
            table = table.filter { $0.value > now }
            return table.count
        }
        count.store(n, ordering: .releasing)
    }
}
