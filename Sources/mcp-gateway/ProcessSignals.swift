#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// Process signals, handled synchronously by one thread with `sigwait`.
///
/// SIGTERM, SIGINT and SIGHUP are blocked in the main thread before any other thread exists, so
/// every thread inherits the block and the kernel can only hand them to `sigwait`. (A handler or
/// a dispatch signal source races with threads that do not block the signal: the signal can be
/// delivered there and lost.)
enum ProcessSignals {
    static let handled: [Int32] = [SIGTERM, SIGINT, SIGHUP]
    private static let reloadHandlers = Mutex<[@Sendable () -> Void]>([])

    /// Call first thing in `main`, before any thread is started.
    static func blockInAllThreads() {
        var set = sigset_t()
        sigemptyset(&set)
        for s in handled { sigaddset(&set, s) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    static func onReload(_ handler: @escaping @Sendable () -> Void) {
        reloadHandlers.withLock { $0.append(handler) }
    }

    /// Blocks until SIGTERM or SIGINT; SIGHUP runs the reload handlers (on a separate thread, so
    /// a slow reload never delays shutdown) and keeps waiting. Returns the signal received.
    static func waitForTermination() -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        for s in handled { sigaddset(&set, s) }
        while true {
            var received: Int32 = 0
            guard sigwait(&set, &received) == 0 else { continue }
            if received == SIGHUP {
                let handlers = reloadHandlers.withLock { $0 }
                Thread.detachNewThread { for h in handlers { h() } }
                continue
            }
            return received
        }
    }
}
