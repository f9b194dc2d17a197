/// The byte-level encoders behind `JSONWriter`: string escaping and integer formatting, both
/// straight into the output array with no intermediate `String`.
extension JSONWriter {
    /// Appends `text` as a quoted, escaped JSON string.
    ///
    /// Runs of bytes that need no escaping are found eight at a time and appended with one
    /// copy each, so a long plain string costs roughly a `memcpy`.
    mutating func appendQuoted(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            bytes.append(ASCII.quote)
            let source = UnsafeRawBufferPointer(utf8)
            let count = source.count
            var runStart = 0
            var i = 0
            while i < count {
                if i &+ 8 <= count {
                    let word = UInt64(littleEndian: source.baseAddress!.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    let mask = SWAR.escapeMask(word)
                    if mask == 0 {
                        i &+= 8
                        continue
                    }
                    i &+= mask.trailingZeroBitCount &>> 3
                }
                let c = source[i]
                guard c < 0x20 || c == ASCII.quote || c == ASCII.backslash else {
                    i += 1
                    continue
                }
                if runStart < i { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: source[runStart..<i])) }
                appendEscape(c)
                i += 1
                runStart = i
            }
            if runStart < count { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: source[runStart..<count])) }
            bytes.append(ASCII.quote)
        }
    }

    private mutating func appendEscape(_ c: UInt8) {
        bytes.append(ASCII.backslash)
        switch c {
        case ASCII.quote, ASCII.backslash: bytes.append(c)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        default:
            let hex: StaticString = "0123456789abcdef"
            appendASCII("u00")
            bytes.append(hex.utf8Start[Int(c >> 4)])
            bytes.append(hex.utf8Start[Int(c & 0xF)])
        }
    }

    /// Appends the decimal digits of `value` (with `-` if negative).
    mutating func appendInteger(_ value: Int) {
        if value < 0 { bytes.append(ASCII.minus) }
        var magnitude = value.magnitude
        // UInt.max has 20 digits.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = ASCII.zero &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start..<20]))
        }
    }
}

extension SWAR {
    /// Bytes a string writer must escape: `"`, `\` and controls below 0x20. Bytes >= 0x80 are
    /// not flagged (non-ASCII is written through as UTF-8).
    @inline(__always)
    static func escapeMask(_ word: UInt64) -> UInt64 {
        ((word &- ones &* 0x20) & ~word & highBits)
            | equalMask(word, ASCII.quote)
            | equalMask(word, ASCII.backslash)
    }
}
