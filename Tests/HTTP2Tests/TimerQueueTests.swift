@testable import HTTP2
import Testing

/// The event loop's timer heap: deadline order, lazy cancellation, re-arming from a firing
/// timer, and equal deadlines in the order they were scheduled.
@Suite struct TimerQueueTests {
    /// Records which timers ran, in order.
    final class Log {
        var fired: [Int] = []
    }

    /// Runs what is due by `now` the way the event loop does: take the batch, then run each
    /// unless work earlier in the batch cancelled it.
    func run(_ q: inout TimerQueue, now: Double) -> [() -> Void] {
        var work: [() -> Void] = []
        let due = q.takeDue(now: now)
        for (id, w) in due where !q.wasCancelled(id) { work.append(w) }
        return work
    }

    @Test func firesInDeadlineOrder() {
        var q = TimerQueue()
        let log = Log()
        for (i, d) in [5.0, 1, 4, 2, 3, 0.5, 9, 7].enumerated() {
            _ = q.add(deadline: d) { log.fired.append(i) }
        }
        for w in run(&q, now: 4) { w() }
        #expect(log.fired == [5, 1, 3, 4, 2])  // deadlines 0.5, 1, 2, 3, 4
        for w in run(&q, now: 100) { w() }
        #expect(log.fired == [5, 1, 3, 4, 2, 0, 7, 6])
        #expect(q.takeDue(now: 1000).isEmpty)
    }

    @Test func equalDeadlinesFireInSchedulingOrder() {
        var q = TimerQueue()
        let log = Log()
        for i in 0..<20 { _ = q.add(deadline: Double(i % 3)) { log.fired.append(i) } }
        for w in run(&q, now: 10) { w() }
        #expect(log.fired == [0, 3, 6, 9, 12, 15, 18, 1, 4, 7, 10, 13, 16, 19, 2, 5, 8, 11, 14, 17])
    }

    @Test func nothingIsDueBeforeItsDeadline() {
        var q = TimerQueue()
        _ = q.add(deadline: 10) {}
        #expect(q.takeDue(now: 9.999).isEmpty)
        #expect(q.takeDue(now: 10).count == 1)
    }

    @Test func cancelledTimersNeverRun() {
        var q = TimerQueue()
        let log = Log()
        let a = q.add(deadline: 1) { log.fired.append(1) }
        _ = q.add(deadline: 2) { log.fired.append(2) }
        let c = q.add(deadline: 3) { log.fired.append(3) }
        q.cancel(a)
        q.cancel(c)
        for w in run(&q, now: 10) { w() }
        #expect(log.fired == [2])
    }

    @Test func aTimerCancelledByAnEarlierOneInTheSameBatchDoesNotRun() {
        var q = TimerQueue()
        let log = Log()
        var second: TimerID?
        _ = q.add(deadline: 1) { log.fired.append(1) }
        second = q.add(deadline: 2) { log.fired.append(2) }
        let due = q.takeDue(now: 5)
        #expect(due.count == 2)
        // The first one's work cancels the second after both were taken.
        q.cancel(second!)
        for (id, w) in due where !q.wasCancelled(id) { w() }
        #expect(log.fired == [1])
    }

    @Test func workCanScheduleTimersWhileItRuns() {
        var q = TimerQueue()
        let log = Log()
        var pending: [(Double, () -> Void)] = []
        _ = q.add(deadline: 1) {
            log.fired.append(1)
            // Re-arm: the loop adds these after the batch is taken, as EventLoop does.
            pending.append((1, { log.fired.append(10) }))  // already due: the next pass runs it
            pending.append((3, { log.fired.append(30) }))
        }
        for w in run(&q, now: 2) { w() }
        for (d, w) in pending { _ = q.add(deadline: d, w) }
        pending.removeAll()
        #expect(log.fired == [1])
        for w in run(&q, now: 2) { w() }
        #expect(log.fired == [1, 10])
        for w in run(&q, now: 3) { w() }
        #expect(log.fired == [1, 10, 30])
    }

    @Test func sleepTimeFollowsTheEarliestLiveDeadline() {
        var q = TimerQueue()
        #expect(q.millisecondsUntilNext(now: 0) == -1)
        let a = q.add(deadline: 0.0101) {}
        _ = q.add(deadline: 0.5) {}
        #expect(q.millisecondsUntilNext(now: 0) == 11)  // rounded up: never wake before the deadline
        q.cancel(a)
        #expect(q.millisecondsUntilNext(now: 0) == 500)
        #expect(q.millisecondsUntilNext(now: 1) == 0)
        #expect(q.takeDue(now: 1).count == 1)
        _ = q.add(deadline: 1000) {}
        #expect(q.millisecondsUntilNext(now: 1) == 60_000)  // capped, so the loop re-checks
    }

    @Test func manyTimersStayOrdered() {
        var q = TimerQueue()
        let log = Log()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var deadlines: [Double] = []
        for i in 0..<500 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let d = Double(state >> 40 % 1000) / 100
            deadlines.append(d)
            _ = q.add(deadline: d) { log.fired.append(i) }
        }
        for w in run(&q, now: 1e9) { w() }
        let order = log.fired.map { deadlines[$0] }
        #expect(order == order.sorted())
        #expect(Set(log.fired).count == 500)
    }
}
