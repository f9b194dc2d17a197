/// Identifies a scheduled timer so it can be cancelled.
public struct TimerID: Hashable, Sendable {
    let raw: UInt64
}

/// A binary min-heap of deadlines, owned by one event loop. Timers with equal deadlines run in
/// the order they were added (ties go to the lower id): a heap alone is not stable.
///
/// Cancellation is lazy (a cancelled id is skipped when it reaches the top), which keeps
/// `cancel` O(1) for the common case of a gRPC deadline that never fires.
struct TimerQueue {
    private struct Entry {
        var deadline: Double
        var id: UInt64
        var work: () -> Void
    }

    private var heap: [Entry] = []
    private var cancelled: Set<UInt64> = []
    private var nextID: UInt64 = 1

    mutating func add(deadline: Double, _ work: @escaping () -> Void) -> TimerID {
        let id = nextID
        nextID += 1
        heap.append(Entry(deadline: deadline, id: id, work: work))
        siftUp(heap.count - 1)
        return TimerID(raw: id)
    }

    mutating func cancel(_ id: TimerID) {
        cancelled.insert(id.raw)
    }

    /// Milliseconds epoll may sleep: -1 (forever) with no timers, else until the earliest deadline.
    mutating func millisecondsUntilNext(now: Double) -> Int32 {
        dropCancelledTop()
        guard let first = heap.first else { return -1 }
        let ms = (first.deadline - now) * 1000
        if ms <= 0 { return 0 }
        return Int32(min(ms.rounded(.up), 60_000))
    }

    /// Removes and returns the work of every timer due by `now`, in deadline order. The caller runs
    /// it after this returns: work that schedules a timer (a periodic check re-arming itself) must
    /// not touch the queue while it is being mutated.
    mutating func takeDue(now: Double) -> [(id: TimerID, work: () -> Void)] {
        var due: [(id: TimerID, work: () -> Void)] = []
        while true {
            dropCancelledTop()
            guard let first = heap.first, first.deadline <= now else { return due }
            let entry = popTop()
            due.append((TimerID(raw: entry.id), entry.work))
        }
    }

    /// Whether a timer taken by `takeDue` was cancelled since (by work that ran before it in the
    /// same batch); forgets the cancellation either way.
    mutating func wasCancelled(_ id: TimerID) -> Bool {
        cancelled.remove(id.raw) != nil
    }

    private mutating func dropCancelledTop() {
        while let first = heap.first, cancelled.contains(first.id) {
            cancelled.remove(first.id)
            _ = popTop()
        }
    }

    private mutating func popTop() -> Entry {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        return top
    }

    private static func before(_ a: Entry, _ b: Entry) -> Bool {
        a.deadline < b.deadline || (a.deadline == b.deadline && a.id < b.id)
    }

    private mutating func siftUp(_ index: Int) {
        var i = index
        while i > 0 {
            let parent = (i - 1) / 2
            if !Self.before(heap[i], heap[parent]) { break }
            heap.swapAt(parent, i)
            i = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var i = index
        let n = heap.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < n, Self.before(heap[l], heap[smallest]) { smallest = l }
            if r < n, Self.before(heap[r], heap[smallest]) { smallest = r }
            if smallest == i { return }
            heap.swapAt(i, smallest)
            i = smallest
        }
    }
}
