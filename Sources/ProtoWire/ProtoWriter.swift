/// Appends protobuf encodings to a byte array.
///
/// Sub-messages are written in place (see `writeLengthDelimited`): no scratch buffer per nesting
/// level, so encoding a response costs one growing array.
public struct ProtoWriter: Sendable {
    /// The encoding so far. Settable so a caller can reserve a prefix before encoding (e.g. the
    /// 5-byte gRPC frame header) and patch it afterwards, avoiding a copy of the message.
    public var bytes: [UInt8]

    @inlinable
    public init(reservingCapacity capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    // MARK: - Primitive payloads

    @inlinable
    public mutating func writeVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    @inlinable
    public mutating func writeKey(field: Int, wireType: WireType) {
        writeVarint(UInt64(field) << 3 | UInt64(wireType.rawValue))
    }

    @inlinable
    public mutating func writeFixed32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }

    @inlinable
    public mutating func writeFixed64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    /// Appends pre-encoded bytes verbatim (e.g. a cached sub-message).
    @inlinable
    public mutating func writeRaw(_ raw: some Sequence<UInt8>) {
        bytes.append(contentsOf: raw)
    }

    /// Number of bytes `writeVarint(value)` appends.
    @inlinable
    public static func varintSize(_ value: UInt64) -> Int {
        // 1 + floor(bitWidth-1 / 7); `| 1` makes 0 take one byte.
        (70 - (value | 1).leadingZeroBitCount) / 7
    }

    /// Writes key + length + whatever `body` appends.
    ///
    /// One byte is reserved for the length on the bet that most payloads are < 128 bytes; if the
    /// payload turns out longer, the varint is widened in place (a single memmove of the payload)
    /// instead of encoding the child into a scratch array first.
    @inlinable
    public mutating func writeLengthDelimited(field: Int, _ body: (inout ProtoWriter) -> Void) {
        writeKey(field: field, wireType: .lengthDelimited)
        let lengthIndex = bytes.count
        bytes.append(0)
        body(&self)
        let length = bytes.count - lengthIndex - 1
        if length < 0x80 {
            bytes[lengthIndex] = UInt8(length)
            return
        }
        var prefix = ProtoWriter(reservingCapacity: 10)
        prefix.writeVarint(UInt64(length))
        bytes.replaceSubrange(lengthIndex..<(lengthIndex + 1), with: prefix.bytes)
    }
}
