/// A decoded field key: which field follows and how its payload is framed.
///
/// Message decoders switch on `(key.number, key.wireType)` so that a known field number arriving
/// with an unexpected wire type falls through to `skip`, which is what the reference
/// implementations do (they treat it as an unknown field rather than failing the parse).
public struct ProtoFieldKey: Sendable, Hashable {
    /// 1 ... 2^29-1; zero is rejected while reading.
    public let number: Int
    public let wireType: WireType

    @inlinable
    public init(number: Int, wireType: WireType) {
        self.number = number
        self.wireType = wireType
    }
}
