/// Typed reads for each proto scalar type, so message decoders state the proto type they expect
/// and the reader owns the conversion rules (sign extension, truncation, UTF-8 validation).
extension ProtoReader {
    @inlinable
    public mutating func readBool() throws(ProtoDecodingError) -> Bool {
        try readVarint() != 0
    }

    /// Negative int32 values travel sign-extended to 64 bits; the low 32 bits are the value.
    @inlinable
    public mutating func readInt32() throws(ProtoDecodingError) -> Int32 {
        Int32(truncatingIfNeeded: try readVarint())
    }

    @inlinable
    public mutating func readInt64() throws(ProtoDecodingError) -> Int64 {
        Int64(bitPattern: try readVarint())
    }

    @inlinable
    public mutating func readUInt32() throws(ProtoDecodingError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readVarint())
    }

    @inlinable
    public mutating func readUInt64() throws(ProtoDecodingError) -> UInt64 {
        try readVarint()
    }

    @inlinable
    public mutating func readSInt32() throws(ProtoDecodingError) -> Int32 {
        ZigZag.decode(UInt32(truncatingIfNeeded: try readVarint()))
    }

    @inlinable
    public mutating func readSInt64() throws(ProtoDecodingError) -> Int64 {
        ZigZag.decode(try readVarint())
    }

    /// Enums are open in proto3: the raw number is kept even when no case is known for it.
    @inlinable
    public mutating func readEnum() throws(ProtoDecodingError) -> Int32 {
        try readInt32()
    }

    @inlinable
    public mutating func readDouble() throws(ProtoDecodingError) -> Double {
        Double(bitPattern: try readFixed64())
    }

    @inlinable
    public mutating func readFloat() throws(ProtoDecodingError) -> Float {
        Float(bitPattern: try readFixed32())
    }

    @inlinable
    public mutating func readSFixed32() throws(ProtoDecodingError) -> Int32 {
        Int32(bitPattern: try readFixed32())
    }

    @inlinable
    public mutating func readSFixed64() throws(ProtoDecodingError) -> Int64 {
        Int64(bitPattern: try readFixed64())
    }

    /// Copies a `bytes` field out of the wire buffer (one memcpy; the message owns its values).
    @inlinable
    public mutating func readBytes() throws(ProtoDecodingError) -> [UInt8] {
        Array(try readLengthDelimited())
    }

    /// Reads a `string` field, rejecting invalid UTF-8 the way Envoy's C++ parser does, so a value
    /// we accept is one Envoy would also have accepted.
    @inlinable
    public mutating func readString() throws(ProtoDecodingError) -> String {
        let slice = try readLengthDelimited()
        if slice.isEmpty { return "" }
        let decoded = slice.withUnsafeBufferPointer { UTF8Text.string($0) }
        guard let decoded else { throw .invalidUTF8 }
        return decoded
    }
}
