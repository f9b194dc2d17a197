import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
@testable import WorkPool

/// The pool's promises: work runs off the caller's thread on at most `threads` threads, at most
/// `maxPending` items wait or run (past that `submit` says no at once), and a slow item does not
/// hold back the others while a thread is free.
struct BlockingWorkPoolTests {
    @Test func runsEverySubmittedItem() {
        let pool = BlockingWorkPool(name: "t-all", threads: 3, maxPending: 100)
        defer { pool.stop() }
        let done = DispatchSemaphore(value: 0)
        let count = Atomic<Int>(0)
        for _ in 0..<100 {
            #expect(pool.submit { count.add(1, ordering: .relaxed); done.signal() })
        }
        for _ in 0..<100 { done.wait() }
        #expect(count.load(ordering: .relaxed) == 100)
    }

    @Test func neverRunsMoreThanItsThreadsAtOnce() {
        let pool = BlockingWorkPool(name: "t-threads", threads: 2, maxPending: 50)
        defer { pool.stop() }
        let running = Atomic<Int>(0), peak = Atomic<Int>(0)
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<20 {
            pool.submit {
                let now = running.add(1, ordering: .relaxed).newValue
                var seen = peak.load(ordering: .relaxed)
                while now > seen, !peak.compareExchange(expected: seen, desired: now, ordering: .relaxed).exchanged { seen = peak.load(ordering: .relaxed) }
                usleep(2000)
                running.subtract(1, ordering: .relaxed)
                done.signal()
            }
        }
        for _ in 0..<20 { done.wait() }
        // Never more than the pool's threads (that both run at once is the next test's point).
        #expect((1...2).contains(peak.load(ordering: .relaxed)))
    }

    @Test func refusesPastMaxPendingAndAcceptsAgainOnceDrained() {
        let pool = BlockingWorkPool(name: "t-bound", threads: 1, maxPending: 3)
        defer { pool.stop() }
        let gate = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<3 { #expect(pool.submit { gate.wait(); done.signal() }) }
        #expect(!pool.submit { Issue.record("ran past the bound") })
        #expect(pool.pendingCount == 3)
        for _ in 0..<3 { gate.signal() }
        for _ in 0..<3 { done.wait() }
        while pool.pendingCount > 0 { usleep(100) }
        #expect(pool.submit { done.signal() })
        done.wait()
    }

    @Test func aSlowItemDoesNotHoldBackTheNextWhileAThreadIsFree() {
        let pool = BlockingWorkPool(name: "t-hol", threads: 2, maxPending: 10)
        defer { pool.stop() }
        let gate = DispatchSemaphore(value: 0)
        let quick = DispatchSemaphore(value: 0)
        pool.submit { gate.wait() }
        pool.submit { quick.signal() }
        #expect(quick.wait(timeout: .now() + 2) == .success)
        gate.signal()
    }

    @Test func aStoppedPoolRefuses() {
        let pool = BlockingWorkPool(name: "t-stop", threads: 1, maxPending: 2)
        pool.stop()
        #expect(!pool.submit {})
    }

    @Test func theQueueIsFIFOAcrossWrapAround() {
        var q = JobQueue()
        let order = Mutex<[Int]>([])
        for round in 0..<3 {
            for i in 0..<100 { q.push { order.withLock { $0.append(round * 1000 + i) } } }
            for _ in 0..<100 { q.pop()?() }
            #expect(q.pop() == nil)
        }
        let seen = order.withLock { $0 }
        #expect(seen == (0..<3).flatMap { r in (0..<100).map { r * 1000 + $0 } })
    }
}
