#if canImport(Glibc)
import Glibc
#endif

/// A failed system call, with the call's name and errno, so a log line says what went wrong.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let errno: Int32

    public static func call(_ name: String, _ code: Int32) -> SystemError {
        SystemError(call: name, errno: code)
    }

    public var description: String {
        "\(call): \(String(cString: strerror(errno)))"
    }
}
