/// `google.protobuf.Struct`: a JSON object. Envoy uses it for dynamic metadata and ext_proc
/// attributes, so it is modelled as a plain dictionary rather than an opaque blob.
public struct ProtoStruct: ProtoMessage, Hashable {
    public var fields: [String: ProtoValue]

    public init() { fields = [:] }

    public init(fields: [String: ProtoValue]) { self.fields = fields }

    public subscript(key: String) -> ProtoValue? {
        get { fields[key] }
        set { fields[key] = newValue }
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited):
                let entry = try reader.readMessageMapEntry(ProtoValue.self, depth: depth)
                fields[entry.key] = entry.value
            default:
                try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeMessageMap(fields, field: 1)
    }
}

extension ProtoStruct: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, ProtoValue)...) {
        self.init(fields: Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
