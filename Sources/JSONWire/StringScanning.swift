/// Validation of one JSON string token: escapes (including UTF-16 surrogate pairing) and UTF-8.
///
/// Strings are where request bodies spend their bytes (a tool argument can be megabytes of
/// text), so the loop skips eight plain-ASCII bytes per step and only drops to per-byte work at
/// a quote, a backslash, a control byte or a multi-byte UTF-8 sequence.
///
/// Lone surrogates (`"\ud800"`, `"\udc00"`, a high surrogate followed by anything but a low
/// one) are rejected as `invalidEscape` rather than replaced with U+FFFD: a Swift `String`
/// cannot hold them, and silently replacing would make the scanner's byte-exact view of a value
/// disagree with its decoded view. RFC 8259 §8.2 leaves the behaviour undefined.
extension RawBytes {
    /// Validates the string whose opening quote is at `start`.
    /// - Returns: the index just past the closing quote, and whether any backslash occurred
    ///   (no backslash means the raw content bytes *are* the decoded UTF-8).
    func scanString(from start: Int) throws(JSONError) -> (end: Int, hasEscapes: Bool) {
        var i = start + 1
        var hasEscapes = false
        while true {
            while i &+ 8 <= count {
                let mask = SWAR.stringStopMask(word(at: i))
                if mask != 0 {
                    i &+= mask.trailingZeroBitCount &>> 3
                    break
                }
                i &+= 8
            }
            guard i < count else { throw JSONError(.unexpectedEnd, at: count) }
            let c = self[i]
            if c == ASCII.quote {
                return (i + 1, hasEscapes)
            } else if c == ASCII.backslash {
                hasEscapes = true
                i = try scanEscape(at: i)
            } else if c < 0x20 {
                throw JSONError(.controlCharacterInString, at: i)
            } else if c < 0x80 {
                i += 1
            } else {
                i = try scanUTF8Sequence(at: i)
            }
        }
    }

    /// Validates the escape whose backslash is at `index`; returns the index after it (after
    /// both halves for a surrogate pair).
    func scanEscape(at index: Int) throws(JSONError) -> Int {
        guard index + 1 < count else { throw JSONError(.unexpectedEnd, at: count) }
        switch self[index + 1] {
        case ASCII.quote, ASCII.backslash, ASCII.slash, UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return index + 2
        case UInt8(ascii: "u"):
            let unit = try hex4(at: index + 2, escapeAt: index)
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed immediately by `\u` and a low surrogate.
                guard index + 6 < count else { throw JSONError(.unexpectedEnd, at: count) }
                guard self[index + 6] == ASCII.backslash else { throw JSONError(.invalidEscape, at: index) }
                guard index + 7 < count else { throw JSONError(.unexpectedEnd, at: count) }
                guard self[index + 7] == UInt8(ascii: "u") else { throw JSONError(.invalidEscape, at: index) }
                let low = try hex4(at: index + 8, escapeAt: index + 6)
                guard (0xDC00...0xDFFF).contains(low) else { throw JSONError(.invalidEscape, at: index) }
                return index + 12
            case 0xDC00...0xDFFF:
                throw JSONError(.invalidEscape, at: index)
            default:
                return index + 6
            }
        default:
            throw JSONError(.invalidEscape, at: index)
        }
    }

    /// The four hex digits at `index` as a UTF-16 code unit.
    func hex4(at index: Int, escapeAt escape: Int) throws(JSONError) -> UInt16 {
        var value: UInt16 = 0
        for k in 0..<4 {
            guard index + k < count else { throw JSONError(.unexpectedEnd, at: count) }
            guard let digit = hexValue(self[index + k]) else { throw JSONError(.invalidEscape, at: escape) }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// Validates one multi-byte UTF-8 sequence whose lead byte (>= 0x80) is at `index`, per the
    /// well-formed table of Unicode §3.9 / RFC 3629; returns the index after it.
    func scanUTF8Sequence(at index: Int) throws(JSONError) -> Int {
        let lead = self[index]
        var trailing: Int
        // Allowed range of the *first* continuation byte; later ones are always 0x80...0xBF.
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: trailing = 1
        case 0xE0: trailing = 2; low = 0xA0            // no overlongs
        case 0xE1...0xEC, 0xEE...0xEF: trailing = 2
        case 0xED: trailing = 2; high = 0x9F           // no encoded surrogates
        case 0xF0: trailing = 3; low = 0x90            // no overlongs
        case 0xF1...0xF3: trailing = 3
        case 0xF4: trailing = 3; high = 0x8F           // nothing above U+10FFFF
        default: throw JSONError(.invalidUTF8, at: index) // continuation, C0, C1, F5...FF
        }
        var i = index + 1
        while trailing > 0 {
            guard i < count else { throw JSONError(.unexpectedEnd, at: count) }
            let c = self[i]
            guard c >= low, c <= high else { throw JSONError(.invalidUTF8, at: index) }
            low = 0x80
            high = 0xBF
            i += 1
            trailing -= 1
        }
        return i
    }
}

@inline(__always)
func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- UInt8(ascii: "a") &+ 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c &- UInt8(ascii: "A") &+ 10
    default: return nil
    }
}
