import ProtoWire

/// `envoy.config.core.v3.Metadata`: per-filter namespaces. ext_proc receives the namespaces listed
/// in `forwarding_namespaces` here; ext_authz gets the ones in `metadata_context_namespaces`.
public struct Metadata: ProtoMessage, Hashable {
    public var filterMetadata: [String: ProtoStruct]
    public var typedFilterMetadata: [String: ProtoAny]

    public init() { self.init(filterMetadata: [:]) }

    public init(filterMetadata: [String: ProtoStruct], typedFilterMetadata: [String: ProtoAny] = [:]) {
        self.filterMetadata = filterMetadata
        self.typedFilterMetadata = typedFilterMetadata
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited):
                let entry = try reader.readMessageMapEntry(ProtoStruct.self, depth: depth)
                filterMetadata[entry.key] = entry.value
            case (2, .lengthDelimited):
                let entry = try reader.readMessageMapEntry(ProtoAny.self, depth: depth)
                typedFilterMetadata[entry.key] = entry.value
            default:
                try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeMessageMap(filterMetadata, field: 1)
        writer.writeMessageMap(typedFilterMetadata, field: 2)
    }
}
