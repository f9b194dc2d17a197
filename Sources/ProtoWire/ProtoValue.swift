/// `google.protobuf.Value`: one JSON value. The proto oneof `kind` maps onto the enum cases.
///
/// A `Value` with no `kind` set on the wire (legal, but meaningless) decodes as `.null`, the only
/// case that needs no payload; re-encoding it therefore writes `null_value` explicitly.
public enum ProtoValue: ProtoMessage, Hashable {
    case null
    case number(Double)
    case string(String)
    case bool(Bool)
    case `struct`(ProtoStruct)
    case list(ProtoListValue)

    public init() { self = .null }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .varint):
                _ = try reader.readEnum()  // NullValue has a single member
                self = .null
            case (2, .fixed64):
                self = .number(try reader.readDouble())
            case (3, .lengthDelimited):
                self = .string(try reader.readString())
            case (4, .varint):
                self = .bool(try reader.readBool())
            case (5, .lengthDelimited):
                // Same oneof member twice: merge, as protobuf does for message members.
                var value = ProtoStruct()
                if case .struct(let existing) = self { value = existing }
                self = .null
                try reader.mergeMessage(into: &value, depth: depth)
                self = .struct(value)
            case (6, .lengthDelimited):
                var value = ProtoListValue()
                if case .list(let existing) = self { value = existing }
                self = .null
                try reader.mergeMessage(into: &value, depth: depth)
                self = .list(value)
            default:
                try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        switch self {
        case .null: writer.writeEnum(0, field: 1, alwaysEmit: true)
        case .number(let value): writer.writeDouble(value, field: 2, alwaysEmit: true)
        case .string(let value): writer.writeString(value, field: 3, alwaysEmit: true)
        case .bool(let value): writer.writeBool(value, field: 4, alwaysEmit: true)
        case .struct(let value): writer.writeMessage(value, field: 5)
        case .list(let value): writer.writeMessage(value, field: 6)
        }
    }
}

extension ProtoValue {
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var numberValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var structValue: ProtoStruct? {
        if case .struct(let value) = self { return value }
        return nil
    }

    public var listValue: ProtoListValue? {
        if case .list(let value) = self { return value }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension ProtoValue: ExpressibleByNilLiteral, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(arrayLiteral elements: ProtoValue...) { self = .list(ProtoListValue(values: elements)) }
    public init(dictionaryLiteral elements: (String, ProtoValue)...) {
        self = .struct(ProtoStruct(fields: Dictionary(elements, uniquingKeysWith: { _, last in last })))
    }
}
