/// Deterministic serialisation of a `JSONValue`.
///
/// Output is compact (no whitespace), objects keep their stored member order (duplicates
/// included), numbers are written as their raw text, and strings are escaped minimally per
/// RFC 8259 (see `JSONWriter.string`). So the same tree always yields the same bytes, and
/// parse→write of a compact document with no escapes other than required ones reproduces it.
extension JSONValue {
    /// The value as compact JSON bytes.
    public func serializedBytes() -> [UInt8] {
        var writer = JSONWriter()
        writer.value(self)
        return writer.bytes
    }

    /// The value as compact JSON text.
    public func serializedString() -> String {
        String(decoding: serializedBytes(), as: UTF8.self)
    }
}

extension JSONWriter {
    /// Writes a whole tree. Recurses once per nesting level of the tree.
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .number(let text): rawNumber(text)
        case .string(let text): string(text)
        case .array(let elements):
            beginArray()
            for element in elements { self.value(element) }
            endArray()
        case .object(let members):
            beginObject()
            for member in members {
                key(member.key)
                self.value(member.value)
            }
            endObject()
        }
    }
}
