/// A parsed JSON value as a tree, for the places that need one (tool results, configuration,
/// tests); the request hot path uses `JSONScanner` ranges instead.
///
/// Numbers keep their raw text (`"1.50"`, `"1e400"`, `"-0"`), so parsing and writing a document
/// never changes a number, and no precision or range question arises until someone asks for
/// `intValue` / `doubleValue`. Objects keep members in document order, duplicates included;
/// `self["key"]` resolves duplicates last-wins, like `JSONScanner.lastMember(named:in:)`.
///
/// Equality is structural and order-sensitive, and compares numbers by text: `1.0 != 1`.
///
/// Trees are recursive values, so destroying (or comparing, or writing) one recurses once per
/// level. Parsed trees are bounded by the parser's `maxDepth`; keep that limit modest (the
/// default is 128) rather than raising it to hundreds of thousands.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    /// Raw number text, exactly as it appeared (or as a writer should emit it).
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in order; keys may repeat.
    case object([(key: String, value: JSONValue)])
}

extension JSONValue: Equatable {
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where x.key != y.key || x.value != y.value { return false }
            return true
        default: return false
        }
    }
}

// MARK: - Building values in code

extension JSONValue {
    /// An integer number.
    public init(_ value: Int) { self = .number(String(value)) }

    /// A finite double as its shortest round-tripping text; NaN and infinities become `null`
    /// (as `JSON.stringify` does), since JSON cannot express them.
    public init(_ value: Double) {
        self = value.isFinite ? .number(formatDouble(value)) : .null
    }

    public init(_ value: String) { self = .string(value) }
    public init(_ value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral {
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self.init(value) }
    public init(floatLiteral value: Double) { self.init(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// Keeps the literal's order (and any repeated keys).
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(elements.map { (key: $0.0, value: $0.1) })
    }
}

/// Shortest round-trip text of a finite double, valid as a JSON number.
///
/// Swift's `description` already gives the shortest round-tripping digits and only JSON-legal
/// forms (`1.0`, `1e-05`, `1e+16`, `-0.0`) for finite values.
func formatDouble(_ value: Double) -> String {
    value.description
}
