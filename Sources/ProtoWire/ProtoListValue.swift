/// `google.protobuf.ListValue`: a JSON array.
public struct ProtoListValue: ProtoMessage, Hashable {
    public var values: [ProtoValue]

    public init() { values = [] }

    public init(values: [ProtoValue]) { self.values = values }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited):
                values.append(try reader.readMessage(ProtoValue.self, depth: depth))
            default:
                try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeRepeatedMessage(values, field: 1)
    }
}

extension ProtoListValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: ProtoValue...) {
        self.init(values: elements)
    }
}
