/// Nested-message reads: the single place where decoding recurses, and therefore the single
/// place where the depth bound is enforced.
extension ProtoReader {
    /// Reads a length-delimited sub-message and merges it into `message`.
    @inlinable
    public mutating func mergeMessage<M: ProtoMessage>(into message: inout M, depth: Int) throws(ProtoDecodingError) {
        var nested = try nestedReader(depth: depth)
        try message.merge(from: &nested, depth: depth + 1)
    }

    /// Merge into an optional field: absent starts from the default, present merges (protobuf's
    /// rule for a singular message repeated on the wire).
    @inlinable
    public mutating func mergeMessage<M: ProtoMessage>(into message: inout M?, depth: Int) throws(ProtoDecodingError) {
        var value = message ?? M()
        message = nil  // keep `value` uniquely referenced so merging does not copy its storage
        try mergeMessage(into: &value, depth: depth)
        message = value
    }

    /// Reads a fresh sub-message (for repeated fields and oneof members switching case).
    @inlinable
    public mutating func readMessage<M: ProtoMessage>(_ type: M.Type = M.self, depth: Int) throws(ProtoDecodingError) -> M {
        var value = M()
        try mergeMessage(into: &value, depth: depth)
        return value
    }

    /// Reads a oneof message member: merges into `previous` when the same member was already set
    /// (protobuf's rule), otherwise starts from the default.
    @inlinable
    public mutating func readMessage<M: ProtoMessage>(merging previous: M?, depth: Int) throws(ProtoDecodingError) -> M {
        var value = previous ?? M()
        try mergeMessage(into: &value, depth: depth)
        return value
    }

    /// A reader limited to the next length-delimited payload, for the child of a message at `depth`.
    @inlinable
    public mutating func nestedReader(depth: Int) throws(ProtoDecodingError) -> ProtoReader {
        guard depth + 1 <= maxDepth else { throw .recursionLimitExceeded }
        return ProtoReader(try readLengthDelimited(), maxDepth: maxDepth)
    }
}
