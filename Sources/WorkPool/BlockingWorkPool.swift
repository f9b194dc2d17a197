import Dispatch
import Synchronization

/// A fixed set of threads for blocking work: network round trips made with blocking clients
/// (token reviews, opening and ending backend sessions, a Redis check), so they never run on an
/// event loop.
///
/// Why not a concurrent `DispatchQueue`: under a burst of slow calls it adds threads (one per
/// blocked item, up to libdispatch's cap), each with its stack, and nothing says no. Here the
/// threads are `threads`, started once, and at most `maxPending` items wait or run; past that
/// `submit` refuses at once and the caller answers with a clear error (503, a JSON-RPC error)
/// instead of queueing without bound. One shared queue feeds every thread, so a slow item never
/// holds back the items behind it while another thread is free.
public final class BlockingWorkPool: Sendable {
    public typealias Work = @Sendable () -> Void

    public let name: String
    public let threads: Int
    public let maxPending: Int
    private let jobs = Mutex(JobQueue())
    private let ready = DispatchSemaphore(value: 0)
    private let pending = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)

    public init(name: String, threads: Int, maxPending: Int) {
        precondition(threads > 0 && maxPending >= threads, "a pool needs threads and room for them")
        self.name = name
        self.threads = threads
        self.maxPending = maxPending
        for i in 0..<threads {
            DispatchQueue(label: "\(name)-\(i)").async { [self] in runWorker() }
        }
    }

    /// Runs `work` on one of the pool's threads. False when `maxPending` items are already waiting
    /// or running (or the pool is stopped): `work` then never runs and the caller must answer.
    @discardableResult
    public func submit(_ work: @escaping Work) -> Bool {
        guard !stopped.load(ordering: .acquiring) else { return false }
        guard pending.wrappingAdd(1, ordering: .relaxed).newValue <= maxPending else {
            pending.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        jobs.withLock { $0.push(work) }
        ready.signal()
        return true
    }

    /// Items waiting or running now.
    public var pendingCount: Int { pending.load(ordering: .relaxed) }

    /// Lets the threads finish what they run and exit; later submissions are refused (tests).
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for _ in 0..<threads { ready.signal() }
    }

    private func runWorker() {
        while true {
            ready.wait()
            guard let work = jobs.withLock({ $0.pop() }) else {
                if stopped.load(ordering: .acquiring) { return }
                continue
            }
            work()
            pending.wrappingSubtract(1, ordering: .relaxed)
        }
    }
}

/// A FIFO of work items: a ring over an array, so pushing and popping never shift elements.
struct JobQueue {
    private var items: [BlockingWorkPool.Work?] = []
    private var head = 0

    mutating func push(_ work: @escaping BlockingWorkPool.Work) {
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        items.append(work)
    }

    mutating func pop() -> BlockingWorkPool.Work? {
        guard head < items.count else { return nil }
        let work = items[head]
        items[head] = nil
        head += 1
        if head == items.count { items.removeAll(keepingCapacity: true); head = 0 }
        return work
    }
}
