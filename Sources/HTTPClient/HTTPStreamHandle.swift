#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Cancels a blocking `HTTPClient.stream` (or `send`) call from another thread.
///
/// `cancel()` shuts the call's socket down, which makes a thread blocked in poll(2), connect or
/// a read wake up at once; the call then throws `HTTPClientError.cancelled`. Cancelling before
/// the call starts makes it throw straight away. A handle is one-shot: use a new one per call.
public final class HTTPStreamHandle: Sendable {
    private struct State {
        var cancelled = false
        var fd: Int32 = -1
    }

    private let state = Mutex(State())

    public init() {}

    public func cancel() {
        state.withLock { s in
            s.cancelled = true
            // Under the lock, so the fd cannot be closed (and its number reused) in between:
            // the owner detaches under the same lock before it closes.
            if s.fd >= 0 { _ = shutdown(s.fd, Int32(SHUT_RDWR)) }
        }
    }

    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Makes `fd` the socket `cancel()` shuts down. False if already cancelled.
    func attach(_ fd: Int32) -> Bool {
        state.withLock { s in
            if s.cancelled { return false }
            s.fd = fd
            return true
        }
    }

    /// Must be called before `fd` is closed or handed to another user (the pool).
    func detach(_ fd: Int32) {
        state.withLock { s in
            if s.fd == fd { s.fd = -1 }
        }
    }
}
