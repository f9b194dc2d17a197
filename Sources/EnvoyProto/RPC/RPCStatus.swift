import ProtoWire

/// `google.rpc.Status`: the ext_authz decision carrier, and the payload of
/// `grpc-status-details-bin` trailers.
public struct RPCStatus: ProtoMessage, Hashable {
    /// A gRPC status code (0 = OK).
    public var code: Int32
    public var message: String
    public var details: [ProtoAny]

    public init() { self.init(code: 0) }

    public init(code: Int32, message: String = "", details: [ProtoAny] = []) {
        self.code = code
        self.message = message
        self.details = details
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .varint): code = try reader.readInt32()
            case (2, .lengthDelimited): message = try reader.readString()
            case (3, .lengthDelimited): details.append(try reader.readMessage(ProtoAny.self, depth: depth))
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeInt32(code, field: 1)
        writer.writeString(message, field: 2)
        writer.writeRepeatedMessage(details, field: 3)
    }
}
