/// `google.protobuf.Timestamp`: Unix seconds plus non-negative nanoseconds.
/// Kept Foundation-free; convert with `Date(timeIntervalSince1970: timestamp.timeIntervalSince1970)`.
public struct ProtoTimestamp: ProtoMessage, Hashable {
    public var seconds: Int64
    public var nanos: Int32

    public init() { self.init(seconds: 0, nanos: 0) }

    public init(seconds: Int64, nanos: Int32 = 0) {
        self.seconds = seconds
        self.nanos = nanos
    }

    public var timeIntervalSince1970: Double {
        Double(seconds) + Double(nanos) / 1_000_000_000
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
