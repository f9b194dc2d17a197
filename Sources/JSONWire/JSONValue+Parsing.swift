/// Parsing JSON text into a `JSONValue` tree.
///
/// The parser is the validator's state machine (see `Validation.swift`) with values attached:
/// same primitives for strings, numbers and literals, same order of checks, same depth limit,
/// so for any input it accepts exactly what `JSONScanner` accepts and reports the same error.
/// Like the validator it is iterative (an explicit stack of open containers), so hostile nesting
/// hits `depthLimitExceeded` instead of the call stack.
extension JSONValue {
    /// Parses one JSON text (whitespace allowed around the value).
    public init(parsing bytes: ArraySlice<UInt8>, maxDepth: Int = JSONScanner.defaultMaxDepth) throws(JSONError) {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONError) in try RawBytes(buffer).parseDocument(maxDepth: maxDepth) }
        }
        self = try result.get()
    }

    /// Parses one JSON text (whitespace allowed around the value).
    public init(parsing bytes: [UInt8], maxDepth: Int = JSONScanner.defaultMaxDepth) throws(JSONError) {
        try self.init(parsing: bytes[...], maxDepth: maxDepth)
    }

    /// Parses the UTF-8 of `text` as one JSON text.
    public init(parsing text: String, maxDepth: Int = JSONScanner.defaultMaxDepth) throws(JSONError) {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONError) in
                try RawBytes(UnsafeRawBufferPointer(buffer)).parseDocument(maxDepth: maxDepth)
            }
        }
        self = try result.get()
    }

    /// Parses raw memory as one JSON text.
    public init(parsing buffer: UnsafeRawBufferPointer, maxDepth: Int = JSONScanner.defaultMaxDepth) throws(JSONError) {
        self = try RawBytes(buffer).parseDocument(maxDepth: maxDepth)
    }
}

extension JSONScanner {
    /// The value at `range` as a tree (e.g. a tool's `arguments`, when a handler wants them
    /// materialised). Nil if `range` is not exactly one value of this document.
    public func value(at range: Range<Int>) -> JSONValue? {
        guard let rel = relative(range) else { return nil }
        return withRaw(limit: rel.upperBound) { raw in
            guard let parsed = try? raw.parseValue(from: rel.lowerBound, maxDepth: maxDepth),
                  parsed.end == rel.upperBound else { return nil }
            return parsed.value
        }
    }
}

extension RawBytes {
    /// One open container while parsing: its collected contents and, in an object, the key of
    /// the member whose value is being parsed.
    private struct Frame {
        var isObject: Bool
        var elements: [JSONValue] = []
        var members: [(key: String, value: JSONValue)] = []
        var key = ""

        init(isObject: Bool) { self.isObject = isObject }

        var closingByte: UInt8 { isObject ? ASCII.closeBrace : ASCII.closeBracket }

        /// Moves the contents out as a finished value.
        var value: JSONValue { isObject ? .object(members) : .array(elements) }
    }

    func parseDocument(maxDepth: Int) throws(JSONError) -> JSONValue {
        let start = skipWhitespace(from: 0)
        let parsed = try parseValue(from: start, maxDepth: maxDepth)
        let end = skipWhitespace(from: parsed.end)
        guard end == count else { throw JSONError(.trailingGarbage, at: end) }
        return parsed.value
    }

    /// Parses the value starting at `start` (not whitespace); mirrors `validateValue`.
    func parseValue(from start: Int, maxDepth: Int) throws(JSONError) -> (value: JSONValue, end: Int) {
        // Open containers enclosing `current`; `current` is the innermost one when depth > 0.
        // Keeping the innermost in a local lets appends mutate its arrays in place.
        var stack: [Frame] = []
        var current = Frame(isObject: false)
        var depth = 0
        var i = start

        parsing: while true {
            guard i < count else { throw JSONError(.unexpectedEnd, at: count) }
            let c = self[i]
            var value: JSONValue
            switch c {
            case ASCII.openBrace, ASCII.openBracket:
                guard depth < maxDepth else { throw JSONError(.depthLimitExceeded, at: i) }
                if depth > 0 { stack.append(current) }
                depth += 1
                current = Frame(isObject: c == ASCII.openBrace)
                i = skipWhitespace(from: i + 1)
                guard i < count else { throw JSONError(.unexpectedEnd, at: count) }
                if self[i] == current.closingByte {
                    i += 1
                    value = current.value
                    depth -= 1
                    if depth > 0 { current = stack.removeLast() }
                } else {
                    if current.isObject { i = try parseMemberKey(at: i, into: &current) }
                    continue parsing
                }
            case ASCII.quote:
                let token = try scanString(from: i)
                value = .string(decodeString(token: i..<token.end, hasEscapes: token.hasEscapes))
                i = token.end
            case ASCII.minus, ASCII.zero...ASCII.nine:
                let end = try scanNumber(from: i)
                value = .number(String(decoding: UnsafeRawBufferPointer(start: base + i, count: end - i), as: UTF8.self))
                i = end
            case ASCII.lowerT:
                i = try scanLiteral(from: i, packed: Literal.true.packed, length: Literal.true.length)
                value = .bool(true)
            case ASCII.lowerF:
                i = try scanLiteral(from: i, packed: Literal.false.packed, length: Literal.false.length)
                value = .bool(false)
            case ASCII.lowerN:
                i = try scanLiteral(from: i, packed: Literal.null.packed, length: Literal.null.length)
                value = .null
            default:
                throw JSONError(.unexpectedByte(c), at: i)
            }

            // `value` is complete and ends just before `i`: attach it to its container, then
            // read a separator or close the container (which completes another value).
            while depth > 0 {
                if current.isObject {
                    current.members.append((key: current.key, value: value))
                } else {
                    current.elements.append(value)
                }
                i = skipWhitespace(from: i)
                guard i < count else { throw JSONError(.unexpectedEnd, at: count) }
                let next = self[i]
                if next == ASCII.comma {
                    i = skipWhitespace(from: i + 1)
                    if current.isObject { i = try parseMemberKey(at: i, into: &current) }
                    continue parsing
                }
                guard next == current.closingByte else { throw JSONError(.unexpectedByte(next), at: i) }
                i += 1
                value = current.value
                depth -= 1
                if depth > 0 { current = stack.removeLast() }
            }
            return (value, i)
        }
    }

    /// Validates and decodes a member key into `frame.key`; returns where its value starts.
    private func parseMemberKey(at index: Int, into frame: inout Frame) throws(JSONError) -> Int {
        let key = try scanMemberKey(at: index)
        frame.key = decodeString(token: index..<key.keyEnd, hasEscapes: key.hasEscapes)
        return key.valueStart
    }
}
