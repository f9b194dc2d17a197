#if canImport(Glibc)
import Glibc
#endif

/// What an accept loop does after `accept4` fails, by errno.
///
/// The listening socket is level-triggered: while a connection waits in the backlog, epoll reports
/// it readable again at once. Treating "out of descriptors" (EMFILE, ENFILE) like "nothing to
/// accept" (EAGAIN) would therefore spin every loop at 100 % CPU for as long as the limit holds —
/// exactly when the process can least afford it. Those errors pause accepting instead.
public enum AcceptErrorPolicy {
    public enum Action: Equatable, Sendable {
        /// The backlog is empty (or another loop took the connection): wait for the next event.
        case waitForEvent
        /// The connection died before it was accepted, or a signal interrupted: try the next one.
        case acceptNext
        /// Out of descriptors or kernel memory: stop watching the listening socket for this long, so
        /// closing connections can free some; the backlog keeps the waiting clients meanwhile.
        case pause(seconds: Double)
    }

    /// How long accepting pauses when descriptors or memory run out.
    public static let pauseSeconds = 0.1

    public static func action(forErrno code: Int32) -> Action {
        switch code {
        case EMFILE, ENFILE, ENOBUFS, ENOMEM: .pause(seconds: pauseSeconds)
        case EINTR, ECONNABORTED, EPROTO, EPERM: .acceptNext
        default: .waitForEvent  // EAGAIN/EWOULDBLOCK, and anything unexpected: the next event retries.
        }
    }
}
