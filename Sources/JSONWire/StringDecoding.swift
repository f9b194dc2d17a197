#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turning a validated string token into a Swift `String`, and comparing one against a known
/// string without materialising it.
///
/// Both rely on the token having passed `scanString` (the callers guarantee it): decoding then
/// needs no error paths, though it stays memory-safe on any bytes. Decoding writes straight into
/// the new `String`'s storage; because no escape decodes to more bytes than it occupies, the
/// content length is enough capacity, so a string costs exactly one allocation (none if it fits
/// Swift's 15-byte small form).
extension RawBytes {
    /// Decodes the string token `token` (quotes included).
    func decodeString(token: Range<Int>, hasEscapes: Bool) -> String {
        let start = token.lowerBound + 1
        let length = token.upperBound - 1 - start
        guard length > 0 else { return "" }
        if !hasEscapes {
            return String(decoding: UnsafeRawBufferPointer(start: base + start, count: length), as: UTF8.self)
        }
        // `+ 4`: the misuse fallbacks in `decodeEscape` (a truncated escape, reachable only
        // through a token that was never validated) may write up to 2 bytes more than they
        // consume, and they end decoding.
        return String(unsafeUninitializedCapacity: length + 4) { out in
            let destination = UnsafeMutableRawPointer(out.baseAddress!)
            var written = 0
            var i = start
            let end = start + length
            while i < end {
                let run = plainRun(from: i, to: end)
                if run > i {
                    (destination + written).copyMemory(from: base + i, byteCount: run - i)
                    written += run - i
                    i = run
                    continue
                }
                let (scalar, next) = decodeEscape(at: i, end: end)
                let (packed, count) = utf8Encoded(scalar)
                for k in 0..<count {
                    destination.storeBytes(of: UInt8(truncatingIfNeeded: packed >> UInt32(8 * k)),
                                           toByteOffset: written + k, as: UInt8.self)
                }
                written += count
                i = next
            }
            return written
        }
    }

    /// Whether the string token `token` decodes to exactly the UTF-8 bytes `target`.
    ///
    /// Without escapes this is a length check and one `memcmp`; with escapes it decodes one
    /// escape at a time and compares as it goes, so it never allocates. That is how
    /// `"calc\u0075lus_add"` equals `calculus_add`.
    func stringEquals(token: Range<Int>, hasEscapes: Bool, _ target: UnsafeRawBufferPointer) -> Bool {
        let start = token.lowerBound + 1
        let end = token.upperBound - 1
        guard start <= end else { return false }
        if !hasEscapes {
            guard end - start == target.count else { return false }
            return target.isEmpty || memcmp(base + start, target.baseAddress!, target.count) == 0
        }
        // Escapes only shrink, so a raw form shorter than the target cannot match.
        guard end - start >= target.count else { return false }
        var i = start
        var t = 0
        while i < end {
            let run = plainRun(from: i, to: end)
            if run > i {
                let length = run - i
                guard t + length <= target.count,
                      memcmp(base + i, target.baseAddress! + t, length) == 0 else { return false }
                t += length
                i = run
                continue
            }
            let (scalar, next) = decodeEscape(at: i, end: end)
            let (packed, count) = utf8Encoded(scalar)
            guard t + count <= target.count else { return false }
            for k in 0..<count where target[t + k] != UInt8(truncatingIfNeeded: packed >> UInt32(8 * k)) {
                return false
            }
            t += count
            i = next
        }
        return t == target.count
    }

    /// The end of the run of non-backslash bytes starting at `start` (at most `end`).
    @inline(__always)
    func plainRun(from start: Int, to end: Int) -> Int {
        var i = start
        while i &+ 8 <= end {
            let mask = SWAR.equalMask(word(at: i), ASCII.backslash)
            if mask != 0 { return i &+ (mask.trailingZeroBitCount &>> 3) }
            i &+= 8
        }
        while i < end, self[i] != ASCII.backslash { i += 1 }
        return i
    }

    /// Decodes the (validated) escape whose backslash is at `index`.
    /// - Returns: the Unicode scalar value and the index after the escape.
    func decodeEscape(at index: Int, end: Int) -> (scalar: UInt32, next: Int) {
        guard index + 1 < end else { return (0xFFFD, end) }
        switch self[index + 1] {
        case UInt8(ascii: "b"): return (0x08, index + 2)
        case UInt8(ascii: "f"): return (0x0C, index + 2)
        case UInt8(ascii: "n"): return (0x0A, index + 2)
        case UInt8(ascii: "r"): return (0x0D, index + 2)
        case UInt8(ascii: "t"): return (0x09, index + 2)
        case UInt8(ascii: "u"):
            guard let unit = hex4Trusted(at: index + 2, end: end) else { return (0xFFFD, end) }
            if unit & 0xFC00 == 0xD800, index + 12 <= end, self[index + 6] == ASCII.backslash,
               let low = hex4Trusted(at: index + 8, end: end), low & 0xFC00 == 0xDC00 {
                return (0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00), index + 12)
            }
            // Validation rejects lone surrogates; this only guards against misuse.
            return (unit & 0xF800 == 0xD800 ? 0xFFFD : UInt32(unit), index + 6)
        case let escaped: // `"`, `\`, `/`
            return (UInt32(escaped), index + 2)
        }
    }

    private func hex4Trusted(at index: Int, end: Int) -> UInt16? {
        guard index + 4 <= end else { return nil }
        var value: UInt16 = 0
        for k in 0..<4 {
            guard let digit = hexValue(self[index + k]) else { return nil }
            value = value << 4 | UInt16(digit)
        }
        return value
    }
}

/// The UTF-8 encoding of a scalar value, packed little-endian into a word, and its length.
@inline(__always)
func utf8Encoded(_ scalar: UInt32) -> (packed: UInt32, count: Int) {
    switch scalar {
    case 0..<0x80:
        return (scalar, 1)
    case 0x80..<0x800:
        return ((0xC0 | scalar >> 6) | (0x80 | scalar & 0x3F) << 8, 2)
    case 0x800..<0x10000:
        return ((0xE0 | scalar >> 12) | (0x80 | scalar >> 6 & 0x3F) << 8 | (0x80 | scalar & 0x3F) << 16, 3)
    default:
        return ((0xF0 | scalar >> 18) | (0x80 | scalar >> 12 & 0x3F) << 8
                    | (0x80 | scalar >> 6 & 0x3F) << 16 | (0x80 | scalar & 0x3F) << 24, 4)
    }
}
