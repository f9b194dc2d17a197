/// Typed views of a `JSONValue`, each nil when the value is of another kind.
extension JSONValue {
    /// The value of the LAST member named `key` (last-wins, matching `JSONScanner`); nil if
    /// absent or if this is not an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.key == key })?.value
    }

    /// The element at `index`; nil if out of range or if this is not an array.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    public var kind: JSONKind {
        switch self {
        case .null: return .null
        case .bool: return .bool
        case .number: return .number
        case .string: return .string
        case .array: return .array
        case .object: return .object
        }
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: [(key: String, value: JSONValue)]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The raw text of a number.
    public var numberText: String? {
        if case .number(let text) = self { return text }
        return nil
    }

    /// The number as `Int` when its text is a plain integer (`-?[0-9]+`) in range; `1.0`,
    /// `1e2` and `123456789012345678901234567890` give nil.
    public var intValue: Int? {
        guard case .number(var text) = self else { return nil }
        return text.withUTF8 { parseInteger(UnsafeRawBufferPointer($0)) }
    }

    /// The number as the nearest `Double` (may round; out-of-range magnitudes give ±infinity).
    public var doubleValue: Double? {
        guard case .number(let text) = self else { return nil }
        return Double(text)
    }
}
