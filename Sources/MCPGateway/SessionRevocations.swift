import Synchronization

/// Session ids ended with DELETE, remembered until they would have expired anyway.
///
/// Ids are self-contained, so ending one means remembering it. Lookups skip the lock entirely
/// while nothing is revoked (the common case), via an atomic count.
///
/// Bounded by `capacity` (`limits.maxRevokedSessions`). When full, expired entries are dropped
/// first; if every entry could still be used, the new DELETE is refused (`RevocationError.full`)
/// rather than an older revocation forgotten: forgetting one would silently revive a session its
/// client ended, while a refused DELETE is visible and can be retried.
public final class SessionRevocations: Sendable {
    struct Table {
        var entries: [[UInt8]: Double] = [:]
        /// No entry expires before this, so pruning before then finds nothing (kept O(1) when full).
        var earliestExpiry = Double.infinity
    }

    private let revoked = Mutex(Table())
    private let count = Atomic<Int>(0)
    private let capacityValue: Atomic<Int>
    private let journal: (any RevocationJournal)?

    public static let defaultCapacity = 100_000

    /// `loaded`: revocations read back from the journal at start (kept even beyond `capacity`:
    /// they are DELETEs already answered).
    public init(capacity: Int = SessionRevocations.defaultCapacity, journal: (any RevocationJournal)? = nil,
                loaded: [(nonce: [UInt8], expiry: Double)] = []) {
        capacityValue = Atomic(max(1, capacity))
        self.journal = journal
        var table = Table()
        for entry in loaded {
            table.entries[entry.nonce] = max(table.entries[entry.nonce] ?? 0, entry.expiry)
            table.earliestExpiry = min(table.earliestExpiry, entry.expiry)
        }
        count.store(table.entries.count, ordering: .releasing)
        revoked.withLock { $0 = table }
    }

    public var capacity: Int {
        get { capacityValue.load(ordering: .relaxed) }
        set { capacityValue.store(max(1, newValue), ordering: .relaxed) }
    }

    public var entryCount: Int { count.load(ordering: .acquiring) }

    // The count is stored while the lock is held: stored after it, a prune that emptied the
    // table could overwrite a concurrent revoke's count with 0 and hide that revocation.
    /// Remembers an ended session, recording it in the journal first (under the lock, so the
    /// journal's order is the table's). Throws, changing nothing, when the table is full of
    /// revocations that could still be used or the journal refuses.
    public func revoke(_ session: ClientSession, until expiry: Double, now: Double) throws(RevocationError) {
        let capacity = self.capacity
        let result: Result<Void, RevocationError> = revoked.withLock { table in
            if table.entries[session.nonce] == nil, table.entries.count >= capacity {
                if now >= table.earliestExpiry { Self.prune(&table, now: now) }
                if table.entries.count >= capacity {
                    let wait = max(1, Int(min(table.earliestExpiry - now, 1e9).rounded(.up)))
                    count.store(table.entries.count, ordering: .releasing)
                    return .failure(.full(capacity: capacity, retryAfterSeconds: wait))
                }
            }
            if let journal {
                do throws(RevocationError) { try journal.record(nonce: session.nonce, expiry: expiry) } catch { return .failure(error) }
            }
            table.entries[session.nonce] = max(table.entries[session.nonce] ?? 0, expiry)
            table.earliestExpiry = min(table.earliestExpiry, expiry)
            if table.entries.count % 1024 == 0, now >= table.earliestExpiry { Self.prune(&table, now: now) }
            count.store(table.entries.count, ordering: .releasing)
            return .success(())
        }
        try result.get()
    }

    /// A revocation another replica made (read from the shared store): remembered like one
    /// loaded at start, without the journal and beyond `capacity` (that DELETE was answered).
    public func absorb(nonce: [UInt8], expiry: Double, now: Double) {
        guard expiry > now else { return }
        revoked.withLock { table in
            table.entries[nonce] = max(table.entries[nonce] ?? 0, expiry)
            table.earliestExpiry = min(table.earliestExpiry, expiry)
            count.store(table.entries.count, ordering: .releasing)
        }
    }

    public func isRevoked(_ session: ClientSession) -> Bool {
        guard count.load(ordering: .acquiring) > 0 else { return false }
        return revoked.withLock { $0.entries[session.nonce] != nil }
    }

    /// Drops entries past their expiry, bounding memory.
    public func prune(now: Double) {
        revoked.withLock { table in
            Self.prune(&table, now: now)
            count.store(table.entries.count, ordering: .releasing)
        }
    }

    /// The unexpired entries, for compacting the journal.
    public func snapshot(now: Double) -> [(nonce: [UInt8], expiry: Double)] {
        revoked.withLock { table in table.entries.filter { $0.value > now }.map { (nonce: $0.key, expiry: $0.value) } }
    }

    private static func prune(_ table: inout Table, now: Double) {
        table.entries = table.entries.filter { $0.value > now }
        table.earliestExpiry = table.entries.values.min() ?? .infinity
    }
}
