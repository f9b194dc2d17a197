/// Validation of number tokens, and integer conversion of their raw text.
///
/// Numbers are never converted on the scan path: they stay as their raw bytes, so `1e400`,
/// `-0`, `1.50` and thirty-digit integers survive byte-exact. This matters for JSON-RPC `id`s,
/// which a gateway must echo exactly as the client sent them.
extension RawBytes {
    /// Validates the number starting at `start` against RFC 8259 §6; returns the index after it.
    ///
    /// A digit, `.`, `e`, `E`, `+` or `-` directly after a complete number is reported here as
    /// `invalidNumber` (e.g. `01`, `1.2.3`, `1e5e5`) instead of as an unexpected byte later,
    /// because that is what the author of such text most likely got wrong.
    func scanNumber(from start: Int) throws(JSONError) -> Int {
        var i = start
        if self[i] == ASCII.minus { i += 1 }
        guard i < count else { throw JSONError(.unexpectedEnd, at: count) }
        let first = self[i]
        if first == ASCII.zero {
            i += 1
        } else if ASCII.isDigit(first) {
            i = skipDigits(from: i + 1)
        } else {
            throw JSONError(.invalidNumber, at: i)
        }
        if i < count, self[i] == ASCII.dot {
            i = try requiredDigits(from: i + 1)
        }
        if i < count, self[i] | 0x20 == ASCII.lowerE {
            i += 1
            if i < count, self[i] == ASCII.plus || self[i] == ASCII.minus { i += 1 }
            i = try requiredDigits(from: i)
        }
        if i < count {
            let c = self[i]
            if ASCII.isDigit(c) || c == ASCII.dot || c | 0x20 == ASCII.lowerE || c == ASCII.plus || c == ASCII.minus {
                throw JSONError(.invalidNumber, at: i)
            }
        }
        return i
    }

    @inline(__always)
    func skipDigits(from index: Int) -> Int {
        var i = index
        while i < count, ASCII.isDigit(self[i]) { i += 1 }
        return i
    }

    /// One or more digits (after `.` or an exponent marker).
    @inline(__always)
    func requiredDigits(from index: Int) throws(JSONError) -> Int {
        guard index < count else { throw JSONError(.unexpectedEnd, at: count) }
        guard ASCII.isDigit(self[index]) else { throw JSONError(.invalidNumber, at: index) }
        return skipDigits(from: index + 1)
    }
}

/// The value of raw number text when it is a plain integer (`-?[0-9]+`, no fraction, no
/// exponent) that fits in `Int`; nil otherwise. `1.0` and `1e2` are deliberately not integers:
/// converting them would need floating point, and a JSON-RPC peer that sends them did not send
/// an integer.
func parseInteger(_ text: UnsafeRawBufferPointer) -> Int? {
    guard !text.isEmpty else { return nil }
    var i = 0
    let negative = text[0] == ASCII.minus
    if negative { i = 1 }
    guard i < text.count else { return nil }
    var magnitude: UInt = 0
    while i < text.count {
        let digit = text[i] &- ASCII.zero
        guard digit < 10 else { return nil }
        let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
        let (sum, o2) = times10.addingReportingOverflow(UInt(digit))
        guard !o1, !o2 else { return nil }
        magnitude = sum
        i += 1
    }
    if negative {
        guard magnitude <= UInt(Int.max) + 1 else { return nil }
        return magnitude == UInt(Int.max) + 1 ? Int.min : -Int(magnitude)
    }
    guard magnitude <= UInt(Int.max) else { return nil }
    return Int(magnitude)
}
