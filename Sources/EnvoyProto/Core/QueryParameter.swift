import ProtoWire

/// `envoy.config.core.v3.QueryParameter` (ext_authz `query_parameters_to_set`).
public struct QueryParameter: ProtoMessage, Hashable {
    public var key: String
    public var value: String

    public init() { self.init(key: "", value: "") }

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): key = try reader.readString()
            case (2, .lengthDelimited): value = try reader.readString()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeString(key, field: 1)
        writer.writeString(value, field: 2)
    }
}
