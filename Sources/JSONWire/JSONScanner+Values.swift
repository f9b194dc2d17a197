/// Reading scalar values and skipping values by range.
///
/// Each accessor checks the value's first byte and returns nil when the value is of another
/// kind, so "is `id` a string, number or null?" needs no separate type test.
extension JSONScanner {
    /// The kind of the value at `value`, or nil if the range is empty or out of bounds.
    public func kind(at value: Range<Int>) -> JSONKind? {
        guard relative(value) != nil else { return nil }
        return JSONKind(firstByte: bytes[value.lowerBound])
    }

    /// The range of the value starting at `index` (leading whitespace skipped), found on the
    /// trusted path: the "skip a value" primitive for callers doing their own walking.
    public func valueRange(at index: Int) -> Range<Int>? {
        guard index >= bytes.startIndex, index < bytes.endIndex else { return nil }
        let start = index - bytes.startIndex
        return withRaw(limit: bytes.count) { raw in
            let valueStart = raw.skipWhitespace(from: start)
            guard valueStart < raw.count, JSONKind(firstByte: raw[valueStart]) != nil else { return nil }
            return absolute(valueStart..<raw.skipValueTrusted(from: valueStart))
        }
    }

    /// The decoded string if `value` is exactly one string token; all escapes (including
    /// surrogate pairs) are resolved. The token is re-validated first, so this is safe for any
    /// range.
    public func string(at value: Range<Int>) -> String? {
        guard let rel = relative(value) else { return nil }
        return withRaw(limit: rel.upperBound) { raw in
            guard let token = raw.validatedStringToken(at: rel) else { return nil }
            return raw.decodeString(token: rel, hasEscapes: token.hasEscapes)
        }
    }

    /// Whether `value` is a string token that decodes to exactly `expected`, without
    /// allocating: a `memcmp` when the token has no backslash, an incremental decode otherwise.
    public func string(at value: Range<Int>, equals expected: String) -> Bool {
        guard let rel = relative(value) else { return false }
        var expected = expected
        return expected.withUTF8 { target in
            withRaw(limit: rel.upperBound) { raw in
                guard let token = raw.validatedStringToken(at: rel) else { return false }
                return raw.stringEquals(token: rel, hasEscapes: token.hasEscapes, UnsafeRawBufferPointer(target))
            }
        }
    }

    /// `true` or `false` if `value` is that literal.
    public func bool(at value: Range<Int>) -> Bool? {
        guard relative(value) != nil else { return nil }
        switch bytes[value.lowerBound] {
        case ASCII.lowerT where value.count == 4: return true
        case ASCII.lowerF where value.count == 5: return false
        default: return nil
        }
    }

    /// Whether `value` is the literal `null`.
    public func isNull(at value: Range<Int>) -> Bool {
        relative(value) != nil && value.count == 4 && bytes[value.lowerBound] == ASCII.lowerN
    }

    /// The raw text of a number (`1.50`, `-0`, `1e400` stay exactly as written).
    public func numberText(at value: Range<Int>) -> String? {
        guard kind(at: value) == .number else { return nil }
        return String(decoding: bytes[value], as: UTF8.self)
    }

    /// The value of a number written as a plain integer (`-?[0-9]+`) that fits in `Int`.
    /// `1.0`, `1e2` and out-of-range integers give nil; use `numberText` for those.
    public func int(at value: Range<Int>) -> Int? {
        guard kind(at: value) == .number else { return nil }
        return bytes[value].withUnsafeBytes { parseInteger($0) }
    }

    /// A copy of `bytes` with the bytes in `range` replaced by `replacement`; everything else is
    /// kept byte-exact. With `range` a value from this scanner and `replacement` one encoded
    /// JSON value, the result is valid JSON (e.g. renaming `params.name` in a request).
    public func replacing(_ range: Range<Int>, with replacement: some Collection<UInt8>) -> [UInt8] {
        precondition(range.lowerBound >= bytes.startIndex && range.upperBound <= bytes.endIndex,
                     "range outside the document")
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count - range.count + replacement.count)
        out.append(contentsOf: bytes[..<range.lowerBound])
        out.append(contentsOf: replacement)
        out.append(contentsOf: bytes[range.upperBound...])
        return out
    }
}

extension RawBytes {
    /// Validates that `range` is exactly one string token.
    func validatedStringToken(at range: Range<Int>) -> (end: Int, hasEscapes: Bool)? {
        guard range.lowerBound < count, self[range.lowerBound] == ASCII.quote,
              let token = try? scanString(from: range.lowerBound),
              token.end == range.upperBound else { return nil }
        return token
    }
}
