import Synchronization

/// One atomic integer. Metric families keep arrays of these, allocated up front, so a hot-path
/// update is a single relaxed atomic add: no lock, no allocation.
public final class AtomicCell: Sendable {
    let value = Atomic<Int>(0)
    init() {}
}

/// Label sets mapped to fixed slots. Slots are handed out when a label set is first registered
/// (at start-up or when the catalog changes), never per request, and label values come only from
/// the caller's registration, so clients inventing names cannot grow the series.
final class LabelSlots: Sendable {
    let capacity: Int
    private let state = Mutex<(index: [[String]: Int], labels: [[String]])>(([:], []))

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The slot for `labels`, or nil when full (the caller then uses its overflow slot).
    func slot(for labels: [String]) -> Int? {
        state.withLock { s in
            if let i = s.index[labels] { return i }
            guard s.labels.count < capacity else { return nil }
            s.index[labels] = s.labels.count
            s.labels.append(labels)
            return s.labels.count - 1
        }
    }

    var registered: [[String]] { state.withLock { $0.labels } }
}
