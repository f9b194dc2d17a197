import Synchronization

/// Session ids ended with DELETE, remembered until they would have expired anyway.
///
/// Ids are self-contained, so ending one means remembering it. Lookups skip the lock entirely
/// while nothing is revoked (the common case), via an atomic count.
public final class SessionRevocations: Sendable {
    private let revoked = Mutex<[[UInt8]: Double]>([:])
    private let count = Atomic<Int>(0)

    public init() {}

    // The count is stored while the lock is held: stored after it, a prune that emptied the
    // table could overwrite a concurrent revoke's count with 0 and hide that revocation.
    /// Remembers an ended session. Every 1,024 revocations the table also forgets the ones past
    /// their expiry (`now`), so it stays as small as the set of sessions that could still be used.
    public func revoke(_ session: ClientSession, until expiry: Double, now: Double? = nil) {
        revoked.withLock { table in
            table[session.nonce] = expiry
            if let now, table.count % 1024 == 0 { table = table.filter { $0.value > now } }
            count.store(table.count, ordering: .releasing)
        }
    }

    public func isRevoked(_ session: ClientSession) -> Bool {
        guard count.load(ordering: .acquiring) > 0 else { return false }
        return revoked.withLock { $0[session.nonce] != nil }
    }

    /// Drops entries past their expiry, bounding memory.
    public func prune(now: Double) {
        revoked.withLock { table in
            table = table.filter { $0.value > now }
            count.store(table.count, ordering: .releasing)
        }
    }
}
