import Dispatch
import Synchronization

/// Where a tool call's shared rate-limit check (one Redis round trip) runs: off the event loop, so
/// the other ext_proc streams on that loop keep moving while it waits, and on a fixed set of
/// serial queues, so a burst holds at most `count` threads and Redis connections, never more.
final class RateLimitWorkers: Sendable {
    static let shared = RateLimitWorkers(count: 4)

    private let queues: [DispatchQueue]
    private let next = Atomic<Int>(0)

    init(count: Int) {
        queues = (0..<count).map { DispatchQueue(label: "rate-limit-\($0)") }
    }

    func run(_ work: @escaping @Sendable () -> Void) {
        let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
        queues[Int(UInt(bitPattern: i) % UInt(queues.count))].async(execute: work)
    }
}
