#if canImport(Glibc)
import Glibc
#endif

/// Plain writes to stdio for usage and fatal messages, before logging is set up.
enum FileHandleWriter {
    static func standardError(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}
