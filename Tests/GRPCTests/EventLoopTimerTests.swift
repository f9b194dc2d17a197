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
        #expect(fired.load(ordering: .relaxed) == 3)
    }
}
