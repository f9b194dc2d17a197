/// Repeated numeric fields may arrive packed (one length-delimited run) or unpacked (one key per
/// element) and decoders must accept both; these helpers cover the packed form, the unpacked form
/// is an ordinary scalar read per key.
extension ProtoReader {
    /// Appends every varint of a packed run to `values`.
    @inlinable
    public mutating func readPackedVarints(into values: inout [UInt64]) throws(ProtoDecodingError) {
        var run = ProtoReader(try readLengthDelimited(), maxDepth: maxDepth)
        while !run.isAtEnd {
            values.append(try run.readVarint())
        }
    }

    @inlinable
    public mutating func readPackedFixed32(into values: inout [UInt32]) throws(ProtoDecodingError) {
        var run = ProtoReader(try readLengthDelimited(), maxDepth: maxDepth)
        guard run.remainingCount % 4 == 0 else { throw .truncated }
        values.reserveCapacity(values.count + run.remainingCount / 4)
        while !run.isAtEnd {
            values.append(try run.readFixed32())
        }
    }

    @inlinable
    public mutating func readPackedFixed64(into values: inout [UInt64]) throws(ProtoDecodingError) {
        var run = ProtoReader(try readLengthDelimited(), maxDepth: maxDepth)
        guard run.remainingCount % 8 == 0 else { throw .truncated }
        values.reserveCapacity(values.count + run.remainingCount / 8)
        while !run.isAtEnd {
            values.append(try run.readFixed64())
        }
    }
}
