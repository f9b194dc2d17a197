import ProtoWire

/// `envoy.service.ext_proc.v3.BodyMutation`.
public struct BodyMutation: ProtoMessage, Hashable {
    /// oneof `mutation`. Every member is written even when empty/false: `body([])` replaces the
    /// body with nothing, which is different from not mutating it.
    public enum Mutation: Sendable, Hashable {
        case body([UInt8])
        case clearBody(Bool)
        /// FULL_DUPLEX_STREAMED / GRPC body modes only.
        case streamedResponse(StreamedBodyResponse)
    }

    public var mutation: Mutation?

    public init() { mutation = nil }

    public init(_ mutation: Mutation?) { self.mutation = mutation }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited):
                mutation = .body(try reader.readBytes())
            case (2, .varint):
                mutation = .clearBody(try reader.readBool())
            case (3, .lengthDelimited):
                var previous: StreamedBodyResponse?
                if case .streamedResponse(let value) = mutation { previous = value }
                mutation = .streamedResponse(try reader.readMessage(merging: previous, depth: depth))
            default:
                try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        switch mutation {
        case .body(let bytes): writer.writeBytes(bytes, field: 1, alwaysEmit: true)
        case .clearBody(let clear): writer.writeBool(clear, field: 2, alwaysEmit: true)
        case .streamedResponse(let value): writer.writeMessage(value, field: 3)
        case nil: break
        }
    }
}
