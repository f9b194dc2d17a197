/// The validating pass: checks that bytes form one JSON value, without building anything.
///
/// It is a loop over an explicit `ContainerStack` rather than recursive descent, so its stack
/// use is constant whatever the input's nesting; the depth limit is a policy (default 128),
/// not a guard against overflow. `JSONValue`'s parser follows the same state machine step for
/// step, so both report the same error at the same offset for any input (the fuzz test checks).
extension RawBytes {
    /// Validates the value starting at `start` (which must not be whitespace).
    /// - Returns: the value's byte range; nothing after it is examined.
    func validateValue(from start: Int, maxDepth: Int) throws(JSONError) -> Range<Int> {
        var stack = ContainerStack()
        var depth = 0
        var inObject = false
        var i = start

        parsing: while true {
            // A value must start at `i`.
            guard i < count else { throw JSONError(.unexpectedEnd, at: count) }
            let c = self[i]
            switch c {
            case ASCII.openBrace, ASCII.openBracket:
                guard depth < maxDepth else { throw JSONError(.depthLimitExceeded, at: i) }
                if depth > 0 { stack.push(isObject: inObject) }
                depth += 1
                inObject = c == ASCII.openBrace
                i = skipWhitespace(from: i + 1)
                guard i < count else { throw JSONError(.unexpectedEnd, at: count) }
                if self[i] == (inObject ? ASCII.closeBrace : ASCII.closeBracket) {
                    i += 1
                    depth -= 1
                    if depth > 0 { inObject = stack.pop() }
                } else {
                    if inObject { i = try scanMemberKey(at: i).valueStart }
                    continue parsing
                }
            case ASCII.quote:
                i = try scanString(from: i).end
            case ASCII.minus, ASCII.zero...ASCII.nine:
                i = try scanNumber(from: i)
            case ASCII.lowerT:
                i = try scanLiteral(from: i, packed: Literal.true.packed, length: Literal.true.length)
            case ASCII.lowerF:
                i = try scanLiteral(from: i, packed: Literal.false.packed, length: Literal.false.length)
            case ASCII.lowerN:
                i = try scanLiteral(from: i, packed: Literal.null.packed, length: Literal.null.length)
            default:
                throw JSONError(.unexpectedByte(c), at: i)
            }

            // A value ended just before `i`: a separator or closing bracket follows, unless
            // that value was the outermost one.
            while depth > 0 {
                i = skipWhitespace(from: i)
                guard i < count else { throw JSONError(.unexpectedEnd, at: count) }
                let next = self[i]
                if next == ASCII.comma {
                    i = skipWhitespace(from: i + 1)
                    if inObject { i = try scanMemberKey(at: i).valueStart }
                    continue parsing
                }
                guard next == (inObject ? ASCII.closeBrace : ASCII.closeBracket) else {
                    throw JSONError(.unexpectedByte(next), at: i)
                }
                i += 1
                depth -= 1
                if depth > 0 { inObject = stack.pop() }
            }
            return start..<i
        }
    }

    /// Validates `"key"` at `index`, then whitespace, `:`, whitespace.
    /// - Returns: where the key's string token ends, whether it had escapes, and where the
    ///   member's value starts.
    @inline(__always)
    func scanMemberKey(at index: Int) throws(JSONError) -> (keyEnd: Int, hasEscapes: Bool, valueStart: Int) {
        guard index < count else { throw JSONError(.unexpectedEnd, at: count) }
        guard self[index] == ASCII.quote else { throw JSONError(.unexpectedByte(self[index]), at: index) }
        let key = try scanString(from: index)
        let colon = skipWhitespace(from: key.end)
        guard colon < count else { throw JSONError(.unexpectedEnd, at: count) }
        guard self[colon] == ASCII.colon else { throw JSONError(.unexpectedByte(self[colon]), at: colon) }
        return (key.end, key.hasEscapes, skipWhitespace(from: colon + 1))
    }

    /// Validates a whole JSON text: optional whitespace, one value, optional whitespace, end.
    /// - Returns: the range of the value.
    func validateDocument(maxDepth: Int) throws(JSONError) -> Range<Int> {
        let start = skipWhitespace(from: 0)
        let value = try validateValue(from: start, maxDepth: maxDepth)
        let end = skipWhitespace(from: value.upperBound)
        guard end == count else { throw JSONError(.trailingGarbage, at: end) }
        return value
    }
}
