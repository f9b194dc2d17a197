import ProtoWire

/// `envoy.type.v3.HttpStatus`. The proto's `StatusCode` enum numbers are the HTTP codes
/// themselves, so the code is kept as a plain integer (0 = unset; Envoy then uses its default).
public struct HttpStatus: ProtoMessage, Hashable {
    public var code: Int32

    public init() { code = 0 }

    public init(code: Int32) { self.code = code }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .varint): code = try reader.readEnum()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeEnum(code, field: 1)
    }
}
