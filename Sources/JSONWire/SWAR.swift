/// Word-at-a-time ("SIMD within a register") tests that let string scanning move eight bytes per
/// step through the common case: long runs of plain ASCII with nothing to look at.
///
/// Each function returns a mask with the high bit set in bytes that need attention. The masks
/// can carry false positives only *above* a true hit (borrows propagate upwards), so on a
/// little-endian word the lowest set bit is always exact: `trailingZeroBitCount / 8` is the
/// offset of the first interesting byte. A zero mask means the word can be skipped whole.
enum SWAR {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// High bit set in bytes equal to `byte`.
    @inline(__always)
    static func equalMask(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let x = word ^ (ones &* UInt64(byte))
        return (x &- ones) & ~x & highBits
    }

    /// Bytes a validating string scan must stop at: `"`, `\`, controls (< 0x20) and the start
    /// or continuation of any multi-byte UTF-8 sequence (>= 0x80), which is validated bytewise.
    @inline(__always)
    static func stringStopMask(_ word: UInt64) -> UInt64 {
        let below20 = (word &- ones &* 0x20) & ~word
        return (below20 | word) & highBits
            | equalMask(word, ASCII.quote)
            | equalMask(word, ASCII.backslash)
    }

    /// Bytes a trusted (already validated) string skip must stop at: only `"` and `\`.
    @inline(__always)
    static func quoteOrBackslashMask(_ word: UInt64) -> UInt64 {
        equalMask(word, ASCII.quote) | equalMask(word, ASCII.backslash)
    }
}
