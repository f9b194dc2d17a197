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

extension ProtoStruct {
    /// `{ namespace: { key: "value", ... } }` serialized directly from ordered pairs: the shape of
    /// Envoy dynamic metadata written once per forwarded request. Sizes are computed first so the
    /// bytes are written once, into one buffer, with no dictionaries or intermediate writers.
    public static func encodedNamespace(_ namespace: String, strings: [(String, String)]) -> [UInt8] {
        func varintSize(_ n: Int) -> Int { n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x20_0000 ? 3 : n < 0x1000_0000 ? 4 : 5 }
        func ld(_ n: Int) -> Int { 1 + varintSize(n) + n }  // one-byte key + length + payload
        func valueSize(_ v: String) -> Int { ld(v.utf8.count) }                       // Value { string_value = 3 }
        func entrySize(_ k: String, _ v: String) -> Int { ld(k.utf8.count) + ld(valueSize(v)) }
        let innerSize = strings.reduce(0) { $0 + ld(entrySize($1.0, $1.1)) }          // Struct { fields = 1 }
        let structValueSize = ld(innerSize)                                            // Value { struct_value = 5 }
        let outerEntrySize = ld(namespace.utf8.count) + ld(structValueSize)

        var out: [UInt8] = []
        out.reserveCapacity(ld(outerEntrySize))
        func varint(_ n: Int) {
            var v = UInt64(n)
            while v >= 0x80 { out.append(UInt8(truncatingIfNeeded: v) | 0x80); v >>= 7 }
            out.append(UInt8(v))
        }
        func header(_ field: UInt8, _ size: Int) { out.append(field << 3 | 2); varint(size) }
        func text(_ field: UInt8, _ s: String) { header(field, s.utf8.count); out.append(contentsOf: s.utf8) }

        header(1, outerEntrySize)
        text(1, namespace)
        header(2, structValueSize)
        header(5, innerSize)
        for (key, value) in strings {
            header(1, entrySize(key, value))
            text(1, key)
            header(2, valueSize(value))
            text(3, value)
        }
        return out
    }
}
