/// Why a byte buffer is not a valid protobuf encoding of the message being decoded.
///
/// Every failure is one of these cases (decoders use typed throws), so callers can map them to a
/// gRPC status without string matching. None of them carries the offending bytes: the input may be
/// attacker-controlled and large.
public enum ProtoDecodingError: Error, Sendable, Hashable {
    /// The buffer ended inside a varint, a fixed-width value, or a group.
    case truncated
    /// A varint longer than the 10 bytes a 64-bit value can need.
    case overlongVarint
    /// A length prefix pointing beyond the end of the enclosing buffer.
    case lengthPastEnd
    /// Field number 0, or a key too large to hold a field number (> 2^29-1).
    case invalidFieldNumber
    /// Wire type 6 or 7.
    case invalidWireType
    /// An end-group key with no matching start-group key.
    case unmatchedEndGroup
    /// Message (or group) nesting deeper than the reader's `maxDepth`.
    case recursionLimitExceeded
    /// A `string` field whose bytes are not valid UTF-8 (proto3 requires it).
    case invalidUTF8
}
