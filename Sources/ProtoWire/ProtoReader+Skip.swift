/// Skipping is what makes old decoders survive new Envoy versions: every field we do not model
/// (1.41's additions, deprecated fields, groups from a proto2 peer) is consumed and dropped.
extension ProtoReader {
    /// Consumes the payload of a field whose key was just read.
    @inlinable
    public mutating func skip(_ key: ProtoFieldKey) throws(ProtoDecodingError) {
        switch key.wireType {
        case .varint: _ = try readVarint()
        case .fixed64: try advance(by: 8)
        case .fixed32: try advance(by: 4)
        case .lengthDelimited: _ = try readLengthDelimited()
        case .startGroup: try skipGroup(number: key.number)
        case .endGroup: throw .unmatchedEndGroup
        }
    }

    /// Consumes a group up to its matching end key.
    ///
    /// Iterative with an explicit stack so that nesting costs heap, not native stack; the stack is
    /// still bounded by `maxDepth` so a hostile run of start-group keys fails fast.
    @usableFromInline
    mutating func skipGroup(number: Int) throws(ProtoDecodingError) {
        var open: [Int] = [number]
        while let innermost = open.last {
            guard position < buffer.endIndex else { throw .truncated }
            let key = try readKey()
            switch key.wireType {
            case .varint: _ = try readVarint()
            case .fixed64: try advance(by: 8)
            case .fixed32: try advance(by: 4)
            case .lengthDelimited: _ = try readLengthDelimited()
            case .startGroup:
                guard open.count < maxDepth else { throw .recursionLimitExceeded }
                open.append(key.number)
            case .endGroup:
                guard key.number == innermost else { throw .unmatchedEndGroup }
                open.removeLast()
            }
        }
    }
}
