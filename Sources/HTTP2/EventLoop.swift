#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Foundation
import Synchronization

/// Something the loop wakes when its file descriptor is ready.
///
/// Handlers are owned by exactly one loop and only ever called on that loop's thread, which is
/// what lets connections keep their state without locks.
public protocol FileDescriptorHandler: AnyObject {
    func readable()
    func writable()
    /// Called on EPOLLHUP/EPOLLERR, when the peer or the kernel has given up on the descriptor.
    func hangup()
}

/// One epoll loop on one thread.
///
/// Cross-thread work arrives through `execute`, a mutex-guarded queue plus an eventfd wake-up;
/// everything else (I/O callbacks, timers, flushes) runs on the loop thread without locking.
public final class EventLoop: @unchecked Sendable {
    public let index: Int
    private let epollFD: Int32
    private let wakeFD: Int32
    private let inbox = Mutex<[@Sendable () -> Void]>([])
    private let stopping = Atomic<Bool>(false)
    private var handlers: [Int32: FileDescriptorHandler] = [:]
    private var timers = TimerQueue()
    private var endOfTickActions: [() -> Void] = []
    private var thread: pthread_t?
    /// One read buffer per loop, reused by every connection it owns: reads happen one at a time on
    /// this thread, and the bytes are consumed before the next read.
    public let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    private let threadStarted = Atomic<Bool>(false)

    public init(index: Int) throws {
        self.index = index
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw SystemError.call("epoll_create1", errno) }
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else { throw SystemError.call("eventfd", errno) }
        var ev = epoll_event()
        ev.events = EPOLLIN.rawValue
        ev.data.fd = wakeFD
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &ev) == 0 else { throw SystemError.call("epoll_ctl", errno) }
    }

    deinit {
        readBuffer.deallocate()
        close(epollFD)
        close(wakeFD)
    }

    /// True when called from this loop's own thread.
    public var inEventLoop: Bool {
        guard let thread else { return false }
        return pthread_equal(pthread_self(), thread) != 0
    }

    // MARK: registration (loop thread only)

    public func register(fd: Int32, handler: FileDescriptorHandler, readable: Bool = true, writable: Bool = false,
                         exclusive: Bool = false) throws {
        var ev = epoll_event()
        // EPOLLEXCLUSIVE accepts only EPOLLIN/EPOLLOUT alongside it (EINVAL with EPOLLRDHUP).
        ev.events = exclusive ? EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue : Self.mask(readable: readable, writable: writable)
        ev.data.fd = fd
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &ev) == 0 else { throw SystemError.call("epoll_ctl(ADD)", errno) }
        handlers[fd] = handler
    }

    public func modify(fd: Int32, readable: Bool, writable: Bool) {
        var ev = epoll_event()
        ev.events = Self.mask(readable: readable, writable: writable)
        ev.data.fd = fd
        _ = epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &ev)
    }

    public func deregister(fd: Int32) {
        var ev = epoll_event()
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, &ev)
        handlers[fd] = nil
    }

    private static func mask(readable: Bool, writable: Bool) -> UInt32 {
        var m = EPOLLRDHUP.rawValue
        if readable { m |= EPOLLIN.rawValue }
        if writable { m |= EPOLLOUT.rawValue }
        return m
    }

    // MARK: work submission

    /// Runs `work` on the loop thread: inline if already there, else queued with a wake-up.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        if inEventLoop { work(); return }
        enqueue(work)
    }

    /// Always queues, even from the loop thread: for work that must not re-enter the caller.
    public func enqueue(_ work: @escaping @Sendable () -> Void) {
        let wasEmpty = inbox.withLock { queue in
            queue.append(work)
            return queue.count == 1
        }
        if wasEmpty { wake() }
    }

    /// Runs `action` once at the end of the current loop iteration (loop thread only).
    /// Connections use this to coalesce many small writes into one flush.
    public func atEndOfTick(_ action: @escaping () -> Void) {
        endOfTickActions.append(action)
    }

    /// Schedules `work` after `delay` seconds on the loop thread (loop thread only).
    @discardableResult
    public func schedule(after delay: Double, _ work: @escaping () -> Void) -> TimerID {
        timers.add(deadline: MonotonicClock.now() + delay, work)
    }

    public func cancel(_ timer: TimerID) {
        timers.cancel(timer)
    }

    private func wake() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { write(wakeFD, $0.baseAddress, 8) }
    }

    // MARK: running

    public func start() {
        let t = Thread { [self] in self.run() }
        t.name = "mcp-gateway-loop-\(index)"
        t.stackSize = 4 << 20
        t.start()
        while !threadStarted.load(ordering: .acquiring) { usleep(100) }
    }

    /// Asks the loop to exit after its current iteration.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        wake()
    }

    private func run() {
        thread = pthread_self()
        threadStarted.store(true, ordering: .releasing)
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        while !stopping.load(ordering: .acquiring) {
            let timeout = timers.millisecondsUntilNext(now: MonotonicClock.now())
            let n = epoll_wait(epollFD, events, Int32(capacity), timeout)
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            for i in 0..<Int(n) {
                let ev = events[i]
                let fd = ev.data.fd
                if fd == wakeFD {
                    var value: UInt64 = 0
                    _ = withUnsafeMutableBytes(of: &value) { read(wakeFD, $0.baseAddress, 8) }
                    continue
                }
                // Each step re-reads the table: an earlier step may have closed this fd.
                if ev.events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0, let h = handlers[fd] { h.readable() }
                if ev.events & EPOLLOUT.rawValue != 0, let h = handlers[fd] { h.writable() }
                if ev.events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0, let h = handlers[fd] { h.hangup() }
            }
            runInbox()
            for (id, work) in timers.takeDue(now: MonotonicClock.now()) where !timers.wasCancelled(id) { work() }
            runEndOfTick()
        }
    }

    private func runInbox() {
        let work = inbox.withLock { queue -> [@Sendable () -> Void] in
            let taken = queue
            queue.removeAll(keepingCapacity: true)
            return taken
        }
        for w in work { w() }
    }

    private func runEndOfTick() {
        while !endOfTickActions.isEmpty {
            let actions = endOfTickActions
            endOfTickActions.removeAll(keepingCapacity: true)
            for a in actions { a() }
        }
    }
}

/// Monotonic seconds, immune to wall-clock changes.
public enum MonotonicClock {
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
