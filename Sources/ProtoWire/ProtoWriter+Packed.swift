/// Packed encoding for repeated numeric fields: the proto3 default, one key for the whole run.
/// An empty run writes nothing (an empty repeated field has no encoding).
extension ProtoWriter {
    @inlinable
    public mutating func writePackedVarints(_ values: some Collection<UInt64>, field: Int) {
        guard !values.isEmpty else { return }
        writeKey(field: field, wireType: .lengthDelimited)
        writeVarint(UInt64(values.reduce(0) { $0 + Self.varintSize($1) }))
        for value in values { writeVarint(value) }
    }

    /// Packed `repeated int32` (and enums): each element sign-extended like a scalar int32.
    @inlinable
    public mutating func writePackedInt32(_ values: [Int32], field: Int) {
        writePackedVarints(values.lazy.map { UInt64(bitPattern: Int64($0)) }, field: field)
    }

    @inlinable
    public mutating func writePackedFixed32(_ values: [UInt32], field: Int) {
        guard !values.isEmpty else { return }
        writeKey(field: field, wireType: .lengthDelimited)
        writeVarint(UInt64(values.count * 4))
        for value in values { writeFixed32(value) }
    }

    @inlinable
    public mutating func writePackedFixed64(_ values: [UInt64], field: Int) {
        guard !values.isEmpty else { return }
        writeKey(field: field, wireType: .lengthDelimited)
        writeVarint(UInt64(values.count * 8))
        for value in values { writeFixed64(value) }
    }

    @inlinable
    public mutating func writePackedDouble(_ values: [Double], field: Int) {
        writePackedFixed64(values.map(\.bitPattern), field: field)
    }
}
