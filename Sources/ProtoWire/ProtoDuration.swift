/// `google.protobuf.Duration`: signed seconds plus nanoseconds of the same sign.
public struct ProtoDuration: ProtoMessage, Hashable {
    public var seconds: Int64
    public var nanos: Int32

    public init() { self.init(seconds: 0, nanos: 0) }

    public init(seconds: Int64, nanos: Int32 = 0) {
        self.seconds = seconds
        self.nanos = nanos
    }

    /// Normalised so `nanos` carries the sign of the total (what the proto requires).
    public init(milliseconds: Int64) {
        self.init(seconds: milliseconds / 1000, nanos: Int32(milliseconds % 1000) * 1_000_000)
    }

    public init(_ duration: Swift.Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(seconds: seconds, nanos: Int32(attoseconds / 1_000_000_000))
    }

    public var duration: Swift.Duration {
        .seconds(seconds) + .nanoseconds(Int64(nanos))
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .varint): seconds = try reader.readInt64()
            case (2, .varint): nanos = try reader.readInt32()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeInt64(seconds, field: 1)
        writer.writeInt32(nanos, field: 2)
    }
}
