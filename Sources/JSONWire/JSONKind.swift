/// The type of a JSON value, read from its first byte.
///
/// Lets a consumer check the shape of a member (is `params` an object? is `id` a string, a
/// number or null?) before asking for it, so a structurally wrong request becomes a JSON-RPC
/// "invalid request/params" error rather than a parse error.
public enum JSONKind: Sendable, Hashable {
    case object
    case array
    case string
    case number
    case bool
    case null

    /// The kind of the value whose first byte is `byte`, or nil if no value starts with it.
    @inlinable
    public init?(firstByte byte: UInt8) {
        switch byte {
        case UInt8(ascii: "{"): self = .object
        case UInt8(ascii: "["): self = .array
        case UInt8(ascii: "\""): self = .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): self = .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): self = .bool
        case UInt8(ascii: "n"): self = .null
        default: return nil
        }
    }
}
