/// The bridged calls one gateway replica holds (2026-07-28 client → handshake-era server): each
/// backend call from its start until its result reached the client, it was cancelled, or it
/// expired. A call is `running` while a client request waits on it and `parked` while the
/// gateway waits for the client's retry (after an `InputRequiredResult`), with a deadline.
///
/// A value (the owner keeps it under a lock): bounded by `capacity`, so a client cannot make the
/// gateway hold more backend calls than configured, and a parked call past its deadline is
/// handed back by `expired(now:)` for its owner to cancel. The state lives in this replica's
/// memory only: a retry that reaches another replica finds no entry (`unknown`).
public struct PendingBridgeTable<Call: Sendable>: Sendable {
    public enum Phase: Sendable, Equatable {
        case running
        case parked(deadline: Double)
    }

    struct Entry: Sendable {
        var call: Call
        var caller: String
        var phase: Phase
    }

    public enum Resumption: Sendable {
        case resumed(Call)
        /// No such call here: never started, finished, expired, or started on another replica.
        case unknown
        /// The call belongs to another caller.
        case otherCaller
        /// A request is already waiting on it (a duplicate retry).
        case busy
    }

    /// Calls held at most (the config's `limits.maxBridgedCalls`, read again on each admission).
    public var capacity: Int
    private var entries: [String: Entry] = [:]

    public init(capacity: Int) {
        self.capacity = capacity
    }

    /// Calls held (running or parked).
    public var count: Int { entries.count }
    /// Calls parked, waiting for their client's retry.
    public var parkedCount: Int { entries.values.reduce(0) { $1.phase == .running ? $0 : $0 + 1 } }

    /// Records a new running call; false when `capacity` calls are held (the caller refuses it).
    public mutating func admit(key: String, call: Call, caller: String) -> Bool {
        guard entries.count < capacity, entries[key] == nil else { return false }
        entries[key] = Entry(call: call, caller: caller, phase: .running)
        return true
    }

    /// The call answered its client with an `InputRequiredResult`: it waits for the retry until
    /// `deadline`. False if it is not held (it ended meanwhile).
    @discardableResult
    public mutating func park(key: String, deadline: Double) -> Bool {
        guard entries[key] != nil else { return false }
        entries[key]!.phase = .parked(deadline: deadline)
        return true
    }

    /// The client's retry: the parked call runs again for this caller.
    public mutating func resume(key: String, caller: String) -> Resumption {
        guard let entry = entries[key] else { return .unknown }
        guard entry.caller == caller else { return .otherCaller }
        guard case .parked = entry.phase else { return .busy }
        entries[key]!.phase = .running
        return .resumed(entry.call)
    }

    /// Removes a call (its result was delivered, it failed or was cancelled).
    @discardableResult
    public mutating func finish(key: String) -> Call? {
        entries.removeValue(forKey: key)?.call
    }

    /// Removes and returns the parked calls whose deadline has passed: the owner cancels them.
    public mutating func expired(now: Double) -> [Call] {
        var out: [Call] = []
        for (key, entry) in entries {
            if case .parked(let deadline) = entry.phase, deadline <= now {
                out.append(entry.call)
                entries[key] = nil
            }
        }
        return out
    }
}
