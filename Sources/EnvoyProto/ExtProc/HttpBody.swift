import ProtoWire

/// `envoy.service.ext_proc.v3.HttpBody`: a body (BUFFERED) or one chunk of it (STREAMED).
public struct HttpBody: ProtoMessage, Hashable {
    public var body: [UInt8]
    /// Last body message of this direction, and no trailers follow.
    public var endOfStream: Bool
    /// GRPC body mode only.
    public var endOfStreamWithoutMessage: Bool
    /// GRPC body mode only.
    public var grpcMessageCompressed: Bool
    /// Envoy 1.40, work in progress.
    public var drainComplete: Bool

    public init() { self.init(body: []) }

    public init(body: [UInt8], endOfStream: Bool = false, endOfStreamWithoutMessage: Bool = false,
                grpcMessageCompressed: Bool = false, drainComplete: Bool = false) {
        self.body = body
        self.endOfStream = endOfStream
        self.endOfStreamWithoutMessage = endOfStreamWithoutMessage
        self.grpcMessageCompressed = grpcMessageCompressed
        self.drainComplete = drainComplete
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): body = try reader.readBytes()
            case (2, .varint): endOfStream = try reader.readBool()
            case (3, .varint): endOfStreamWithoutMessage = try reader.readBool()
            case (4, .varint): grpcMessageCompressed = try reader.readBool()
            case (5, .varint): drainComplete = try reader.readBool()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeBytes(body, field: 1)
        writer.writeBool(endOfStream, field: 2)
        writer.writeBool(endOfStreamWithoutMessage, field: 3)
        writer.writeBool(grpcMessageCompressed, field: 4)
        writer.writeBool(drainComplete, field: 5)
    }
}
