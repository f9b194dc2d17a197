#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Log severity, lowest first.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case debug = 0, info, warning, error

    public var name: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warning: "warn"
        case .error: "error"
        }
    }

    public init?(name: String) {
        switch name.lowercased() {
        case "debug": self = .debug
        case "info": self = .info
        case "warn", "warning": self = .warning
        case "error": self = .error
        default: return nil
        }
    }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

/// Structured JSON-lines logger.
///
/// Each line is built in a local buffer and handed to the kernel with a single `write(2)`, which
/// is atomic for lines under PIPE_BUF on pipes and never interleaves on regular files opened with
/// O_APPEND. So there is no mutex at all: a peer gateway capped at ~2,000 req/s on its logger's lock.
public struct Logger: Sendable {
    public let component: String
    private let sink: LogSink

    public init(component: String, sink: LogSink = .standardError) {
        self.component = component
        self.sink = sink
    }

    public func isEnabled(_ level: LogLevel) -> Bool { level >= sink.minimumLevel }

    public func debug(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [(String, String)] = []) {
        log(.debug, message(), fields())
    }
    public func info(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [(String, String)] = []) {
        log(.info, message(), fields())
    }
    public func warning(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [(String, String)] = []) {
        log(.warning, message(), fields())
    }
    public func error(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [(String, String)] = []) {
        log(.error, message(), fields())
    }

    public func log(_ level: LogLevel, _ message: @autoclosure () -> String, _ fields: @autoclosure () -> [(String, String)] = []) {
        guard isEnabled(level) else { return }
        var line = JSONLine()
        line.add("ts", WallClock.iso8601Now())
        line.add("level", level.name)
        line.add("component", component)
        line.add("msg", message())
        for (k, v) in fields() { line.add(k, v) }
        sink.write(line.finish())
    }
}

/// Where log lines go, and the level below which they are dropped (changeable at run time).
public final class LogSink: Sendable {
    private let fd: Int32
    private let level: Atomic<Int>
    private let ownsDescriptor: Bool

    /// `ownsDescriptor`: the sink closes `fd` when the last reference goes (a file opened for it,
    /// such as the audit trail's, replaced on a reload while a write may still be in flight).
    public init(fd: Int32, minimumLevel: LogLevel = .info, ownsDescriptor: Bool = false) {
        self.fd = fd
        self.level = Atomic(minimumLevel.rawValue)
        self.ownsDescriptor = ownsDescriptor
    }

    deinit {
        if ownsDescriptor { Glibc.close(fd) }
    }

    public static let standardError = LogSink(fd: 2)
    public static let standardOutput = LogSink(fd: 1)

    public var minimumLevel: LogLevel {
        get { LogLevel(rawValue: level.load(ordering: .relaxed)) ?? .info }
    }

    public func setMinimumLevel(_ newLevel: LogLevel) {
        level.store(newLevel.rawValue, ordering: .relaxed)
    }

    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buf in
            var offset = 0
            while offset < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + offset, buf.count - offset)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
    }
}
