/// The three low bits of every protobuf field key.
///
/// Values 6 and 7 are not representable on purpose: a key carrying them is malformed input,
/// and `ProtoReader` rejects it before a `WireType` ever exists.
public enum WireType: UInt8, Sendable, Hashable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    /// Deprecated proto2 groups; only ever skipped, never produced.
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5
}
