/// Fast navigation over bytes that have already been validated.
///
/// Once a `JSONScanner` has validated its document, finding the end of a value needs no
/// grammar: only quotes and backslashes inside strings, and bracket balance outside them.
/// These routines do exactly that (eight bytes per step through string content), which is why
/// walking to `params.name` past a multi-megabyte `arguments` value costs a memchr-like sweep
/// rather than a second validation.
///
/// They never read outside the `RawBytes` view and always make progress, so a range that did
/// not come from the scanner yields a wrong answer, never a crash or an endless loop.
extension RawBytes {
    /// Skips the string whose opening quote is at `start`.
    /// - Returns: the index after the closing quote, and whether it contained a backslash.
    func skipStringTrusted(from start: Int) -> (end: Int, hasEscapes: Bool) {
        var i = start + 1
        var hasEscapes = false
        while true {
            while i &+ 8 <= count {
                let mask = SWAR.quoteOrBackslashMask(word(at: i))
                if mask != 0 {
                    i &+= mask.trailingZeroBitCount &>> 3
                    break
                }
                i &+= 8
            }
            guard i < count else { return (count, hasEscapes) }
            let c = self[i]
            if c == ASCII.quote { return (i + 1, hasEscapes) }
            if c == ASCII.backslash {
                // The escaped byte is never a quote that ends the string; `\uXXXX` digits
                // contain neither quote nor backslash, so skipping two bytes is enough.
                hasEscapes = true
                i += 2
            } else {
                i += 1
            }
        }
    }

    /// Skips the value starting at `start` (not whitespace); returns the index after it.
    func skipValueTrusted(from start: Int) -> Int {
        guard start < count else { return count }
        switch self[start] {
        case ASCII.quote:
            return skipStringTrusted(from: start).end
        case ASCII.openBrace, ASCII.openBracket:
            var depth = 0
            var i = start
            while i < count {
                switch self[i] {
                case ASCII.quote:
                    i = skipStringTrusted(from: i).end
                    continue
                case ASCII.openBrace, ASCII.openBracket:
                    depth += 1
                case ASCII.closeBrace, ASCII.closeBracket:
                    depth -= 1
                    if depth == 0 { return i + 1 }
                default:
                    break
                }
                i += 1
            }
            return count
        case ASCII.lowerT, ASCII.lowerN:
            return min(start + 4, count)
        case ASCII.lowerF:
            return min(start + 5, count)
        default:
            var i = start + 1
            while i < count {
                let c = self[i]
                guard ASCII.isDigit(c) || c == ASCII.dot || c | 0x20 == ASCII.lowerE
                    || c == ASCII.plus || c == ASCII.minus else { break }
                i += 1
            }
            return i
        }
    }

    /// One member of the object being walked: its key token, its value, and where the next
    /// member's key starts (nil after the last member).
    struct TrustedMember {
        var key: Range<Int>
        var keyHasEscapes: Bool
        var value: Range<Int>
        var next: Int?
    }

    /// Where the first key of the object whose `{` is at `start` begins, or nil if the object
    /// is empty (or `start` is not an object).
    func firstMemberKey(ofObjectAt start: Int) -> Int? {
        guard start < count, self[start] == ASCII.openBrace else { return nil }
        let i = skipWhitespace(from: start + 1)
        guard i < count, self[i] == ASCII.quote else { return nil }
        return i
    }

    /// Reads the member whose key's opening quote is at `keyStart`.
    func memberTrusted(at keyStart: Int) -> TrustedMember? {
        guard keyStart < count, self[keyStart] == ASCII.quote else { return nil }
        let key = skipStringTrusted(from: keyStart)
        let colon = skipWhitespace(from: key.end)
        guard colon < count, self[colon] == ASCII.colon else { return nil }
        let valueStart = skipWhitespace(from: colon + 1)
        guard valueStart < count else { return nil }
        let valueEnd = skipValueTrusted(from: valueStart)
        var next: Int?
        let separator = skipWhitespace(from: valueEnd)
        if separator < count, self[separator] == ASCII.comma {
            next = skipWhitespace(from: separator + 1)
        }
        return TrustedMember(key: keyStart..<key.end, keyHasEscapes: key.hasEscapes,
                             value: valueStart..<valueEnd, next: next)
    }

    /// Where the first element of the array whose `[` is at `start` begins, or nil if empty.
    func firstElement(ofArrayAt start: Int) -> Int? {
        guard start < count, self[start] == ASCII.openBracket else { return nil }
        let i = skipWhitespace(from: start + 1)
        guard i < count, self[i] != ASCII.closeBracket else { return nil }
        return i
    }

    /// Reads the element starting at `start`: its range and where the next element starts.
    func elementTrusted(at start: Int) -> (value: Range<Int>, next: Int?)? {
        guard start < count else { return nil }
        let end = skipValueTrusted(from: start)
        let separator = skipWhitespace(from: end)
        if separator < count, self[separator] == ASCII.comma {
            return (start..<end, skipWhitespace(from: separator + 1))
        }
        return (start..<end, nil)
    }
}
