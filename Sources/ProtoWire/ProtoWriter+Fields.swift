/// Field-level writes (key + payload) for each scalar type.
///
/// By default a value equal to the proto3 default is omitted, which is right for
/// implicit-presence fields. Pass `alwaysEmit: true` for oneof members and map entries, where
/// presence is carried by the key itself (`Value{bool_value: false}` must be `20 00`).
extension ProtoWriter {
    @inlinable
    public mutating func writeBool(_ value: Bool, field: Int, alwaysEmit: Bool = false) {
        guard value || alwaysEmit else { return }
        writeKey(field: field, wireType: .varint)
        bytes.append(value ? 1 : 0)
    }

    /// Negative values are sign-extended to 64 bits (10 bytes), as the spec requires for int32.
    @inlinable
    public mutating func writeInt32(_ value: Int32, field: Int, alwaysEmit: Bool = false) {
        guard value != 0 || alwaysEmit else { return }
        writeKey(field: field, wireType: .varint)
        writeVarint(UInt64(bitPattern: Int64(value)))
    }

    @inlinable
    public mutating func writeInt64(_ value: Int64, field: Int, alwaysEmit: Bool = false) {
        guard value != 0 || alwaysEmit else { return }
        writeKey(field: field, wireType: .varint)
        writeVarint(UInt64(bitPattern: value))
    }

    @inlinable
    public mutating func writeUInt32(_ value: UInt32, field: Int, alwaysEmit: Bool = false) {
        guard value != 0 || alwaysEmit else { return }
        writeKey(field: field, wireType: .varint)
        writeVarint(UInt64(value))
    }

    @inlinable
    public mutating func writeUInt64(_ value: UInt64, field: Int, alwaysEmit: Bool = false) {
        guard value != 0 || alwaysEmit else { return }
        writeKey(field: field, wireType: .varint)
        writeVarint(value)
    }

    @inlinable
    public mutating func writeSInt32(_ value: Int32, field: Int, alwaysEmit: Bool = false) {
        guard value != 0 || alwaysEmit else { return }
        writeKey(field: field, wireType: .varint)
        writeVarint(UInt64(ZigZag.encode(value)))
    }

    @inlinable
    public mutating func writeSInt64(_ value: Int64, field: Int, alwaysEmit: Bool = false) {
        guard value != 0 || alwaysEmit else { return }
        writeKey(field: field, wireType: .varint)
        writeVarint(ZigZag.encode(value))
    }

    /// Enums are int32 on the wire (negative values sign-extended).
    @inlinable
    public mutating func writeEnum(_ rawValue: Int32, field: Int, alwaysEmit: Bool = false) {
        writeInt32(rawValue, field: field, alwaysEmit: alwaysEmit)
    }

    /// `-0.0` is not the default (its bit pattern is non-zero) and is therefore written.
    @inlinable
    public mutating func writeDouble(_ value: Double, field: Int, alwaysEmit: Bool = false) {
        guard value.bitPattern != 0 || alwaysEmit else { return }
        writeKey(field: field, wireType: .fixed64)
        writeFixed64(value.bitPattern)
    }

    @inlinable
    public mutating func writeFloat(_ value: Float, field: Int, alwaysEmit: Bool = false) {
        guard value.bitPattern != 0 || alwaysEmit else { return }
        writeKey(field: field, wireType: .fixed32)
        writeFixed32(value.bitPattern)
    }

    @inlinable
    public mutating func writeFixed32(_ value: UInt32, field: Int, alwaysEmit: Bool = false) {
        guard value != 0 || alwaysEmit else { return }
        writeKey(field: field, wireType: .fixed32)
        writeFixed32(value)
    }

    @inlinable
    public mutating func writeFixed64(_ value: UInt64, field: Int, alwaysEmit: Bool = false) {
        guard value != 0 || alwaysEmit else { return }
        writeKey(field: field, wireType: .fixed64)
        writeFixed64(value)
    }

    @inlinable
    public mutating func writeString(_ value: String, field: Int, alwaysEmit: Bool = false) {
        guard !value.isEmpty || alwaysEmit else { return }
        writeKey(field: field, wireType: .lengthDelimited)
        let utf8 = value.utf8
        writeVarint(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    @inlinable
    public mutating func writeBytes(_ value: some Collection<UInt8>, field: Int, alwaysEmit: Bool = false) {
        guard !value.isEmpty || alwaysEmit else { return }
        writeKey(field: field, wireType: .lengthDelimited)
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// `repeated string`: one key per element, never packed, empty elements kept.
    @inlinable
    public mutating func writeRepeatedString(_ values: [String], field: Int) {
        for value in values {
            writeString(value, field: field, alwaysEmit: true)
        }
    }
}
