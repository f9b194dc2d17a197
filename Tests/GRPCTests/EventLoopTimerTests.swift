#if canImport(Glibc)
import Glibc
#endif
import HTTP2
import Synchronization
import Testing

/// Timers on the event loop: work that re-arms itself (periodic checks: idle connections, relay
/// deadlines) runs again, instead of touching the timer queue while it is being drained (which
/// Swift's exclusivity checking stops with a crash).
struct EventLoopTimerTests {
    @Test func aTimerCanScheduleAnotherFromItsOwnWork() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.stop() }
        let loop = group.loops[0]
        let fired = Atomic<Int>(0)
        loop.execute {
            func arm() {
                loop.schedule(after: 0.01) {
                    if fired.wrappingAdd(1, ordering: .relaxed).newValue < 3 { arm() }
                }
            }
            arm()
        }
        let until = MonotonicClock.now() + 5
        while fired.load(ordering: .relaxed) < 3 && MonotonicClock.now() < until { usleep(1000) }
        let count = fired.load(ordering: .relaxed)
        #expect(count == 3)
    }

    @Test func aTimerCancelledByAnEarlierOneInTheSameBatchDoesNotRun() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.stop() }
        let loop = group.loops[0]
        let ran = Atomic<Int>(0)
        let done = Atomic<Bool>(false)
        loop.execute {
            // Both due at once: the first one runs and cancels the second before its turn.
            let holder = TimerHolder()
            loop.schedule(after: 0.02) { if let second = holder.id { loop.cancel(second) } }
            holder.id = loop.schedule(after: 0.02) { ran.wrappingAdd(1, ordering: .relaxed) }
            loop.schedule(after: 0.1) { done.store(true, ordering: .relaxed) }
        }
        let until = MonotonicClock.now() + 5
        while !done.load(ordering: .relaxed) && MonotonicClock.now() < until { usleep(1000) }
        let finished = done.load(ordering: .relaxed), runs = ran.load(ordering: .relaxed)
        #expect(finished)
        #expect(runs == 0)
    }
}

/// Loop-confined box for a timer id captured before it exists.
final class TimerHolder: @unchecked Sendable {
    var id: TimerID?
}
