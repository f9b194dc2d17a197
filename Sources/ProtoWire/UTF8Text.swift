/// Text from UTF-8 bytes, rejecting invalid UTF-8.
///
/// `String(validating:as:)` is generic and not specialized for callers outside the standard
/// library: it cost about a thousand instructions per string, and every header and metadata
/// value is one. Nearly all of them are ASCII, which needs no validation at all.
public enum UTF8Text {
    @inlinable
    public static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var ascii = true
        for b in bytes where b >= 0x80 {
            ascii = false
            break
        }
        if ascii { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    @inlinable
    public static func string(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { string($0) }
    }
}
