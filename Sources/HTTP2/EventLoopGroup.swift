/// A fixed set of event loops: by default one per core, each owning the connections it accepted.
public final class EventLoopGroup: @unchecked Sendable {
    public let loops: [EventLoop]

    public init(threads: Int) throws {
        loops = try (0..<max(1, threads)).map { try EventLoop(index: $0) }
        for loop in loops { loop.start() }
    }

    public func stop() {
        for loop in loops { loop.stop() }
    }

    public static var defaultThreadCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

#if canImport(Glibc)
import Glibc
#endif
