/// A forward-only cursor over one protobuf-encoded message.
///
/// The reader is a window (`ArraySlice`) onto the caller's buffer: nested messages get a sub-reader
/// over a sub-slice of the same storage, so decoding a request never copies the wire bytes except
/// where a field's value is stored (`bytes`/`string` fields).
///
/// Every read checks bounds against the window and throws `ProtoDecodingError` rather than
/// trapping, because the input comes from the network.
public struct ProtoReader: Sendable {
    /// Matches the C++ and upb default; deep enough for any real Envoy message, shallow enough
    /// that a hostile `Struct`-in-`ListValue`-in-`Struct` chain cannot exhaust the stack.
    public static let defaultMaxDepth = 100

    @usableFromInline let buffer: ArraySlice<UInt8>
    @usableFromInline var position: Int
    /// Nesting limit inherited by every sub-reader.
    public let maxDepth: Int

    @inlinable
    public init(_ bytes: ArraySlice<UInt8>, maxDepth: Int = ProtoReader.defaultMaxDepth) {
        self.buffer = bytes
        self.position = bytes.startIndex
        self.maxDepth = maxDepth
    }

    @inlinable
    public init(_ bytes: [UInt8], maxDepth: Int = ProtoReader.defaultMaxDepth) {
        self.init(bytes[...], maxDepth: maxDepth)
    }

    /// True when every field of this message has been consumed.
    @inlinable
    public var isAtEnd: Bool { position >= buffer.endIndex }

    /// Bytes not consumed yet.
    @inlinable
    public var remainingCount: Int { buffer.endIndex - position }

    // MARK: - Keys

    /// Reads the next field key, or returns nil at the end of the message.
    ///
    /// An end-group key is an error here: groups are only legal inside `skip`, which consumes
    /// them whole.
    @inlinable
    public mutating func nextField() throws(ProtoDecodingError) -> ProtoFieldKey? {
        guard position < buffer.endIndex else { return nil }
        let key = try readKey()
        if key.wireType == .endGroup { throw .unmatchedEndGroup }
        return key
    }

    @inlinable
    mutating func readKey() throws(ProtoDecodingError) -> ProtoFieldKey {
        let raw = try readVarint()
        // Keys are 32-bit in every implementation; anything wider cannot name a valid field.
        guard raw <= UInt64(UInt32.max) else { throw .invalidFieldNumber }
        let number = Int(raw >> 3)
        guard number != 0 else { throw .invalidFieldNumber }
        guard let wireType = WireType(rawValue: UInt8(truncatingIfNeeded: raw & 7)) else {
            throw .invalidWireType
        }
        return ProtoFieldKey(number: number, wireType: wireType)
    }

    // MARK: - Primitive payloads

    /// Reads a base-128 varint of up to 10 bytes.
    ///
    /// Bits beyond 64 in a 10th byte are dropped (as the C++ parser does); an 11th byte is an error.
    @inlinable
    public mutating func readVarint() throws(ProtoDecodingError) -> UInt64 {
        let end = buffer.endIndex
        var index = position
        guard index < end else { throw .truncated }
        // One-byte fast path: tags, bools, small enums and short lengths.
        let first = buffer[index]
        if first < 0x80 {
            position = index + 1
            return UInt64(first)
        }
        var result = UInt64(first & 0x7F)
        var shift: UInt64 = 7
        index += 1
        while true {
            guard index < end else { throw .truncated }
            let byte = buffer[index]
            index += 1
            if shift == 63 {
                guard byte < 0x80 else { throw .overlongVarint }
                result |= UInt64(byte & 0x01) << 63
                break
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        position = index
        return result
    }

    @inlinable
    public mutating func readFixed32() throws(ProtoDecodingError) -> UInt32 {
        guard remainingCount >= 4 else { throw .truncated }
        var value: UInt32 = 0
        for offset in 0..<4 {
            value |= UInt32(buffer[position + offset]) << (8 * UInt32(offset))
        }
        position += 4
        return value
    }

    @inlinable
    public mutating func readFixed64() throws(ProtoDecodingError) -> UInt64 {
        guard remainingCount >= 8 else { throw .truncated }
        var value: UInt64 = 0
        for offset in 0..<8 {
            value |= UInt64(buffer[position + offset]) << (8 * UInt64(offset))
        }
        position += 8
        return value
    }

    /// Reads a length prefix and returns the payload as a view into the underlying buffer.
    @inlinable
    public mutating func readLengthDelimited() throws(ProtoDecodingError) -> ArraySlice<UInt8> {
        let length = try readVarint()
        guard length <= UInt64(remainingCount) else { throw .lengthPastEnd }
        let start = position
        position += Int(length)
        return buffer[start..<position]
    }

    @inlinable
    mutating func advance(by count: Int) throws(ProtoDecodingError) {
        guard remainingCount >= count else { throw .truncated }
        position += count
    }
}
