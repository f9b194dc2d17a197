/// `google.protobuf.*Value` wrappers: a message with the scalar at field 1, used when a proto3
/// scalar needs presence. Models expose such fields as Swift optionals; the helpers at the bottom
/// translate between `T?` and the wrapper on the wire.
public struct ProtoBoolValue: ProtoMessage, Hashable {
    public var value: Bool

    public init() { value = false }
    public init(_ value: Bool) { self.value = value }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .varint): value = try reader.readBool()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeBool(value, field: 1)
    }
}

public struct ProtoUInt32Value: ProtoMessage, Hashable {
    public var value: UInt32

    public init() { value = 0 }
    public init(_ value: UInt32) { self.value = value }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .varint): value = try reader.readUInt32()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeUInt32(value, field: 1)
    }
}

public struct ProtoUInt64Value: ProtoMessage, Hashable {
    public var value: UInt64

    public init() { value = 0 }
    public init(_ value: UInt64) { self.value = value }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .varint): value = try reader.readUInt64()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeUInt64(value, field: 1)
    }
}

public struct ProtoStringValue: ProtoMessage, Hashable {
    public var value: String

    public init() { value = "" }
    public init(_ value: String) { self.value = value }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): value = try reader.readString()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeString(value, field: 1)
    }
}

extension ProtoReader {
    /// Reads a `BoolValue` field as its payload; merges with a previous occurrence like any message.
    @inlinable
    public mutating func readBoolValue(merging previous: Bool?, depth: Int) throws(ProtoDecodingError) -> Bool {
        var wrapper = ProtoBoolValue(previous ?? false)
        try mergeMessage(into: &wrapper, depth: depth)
        return wrapper.value
    }

    @inlinable
    public mutating func readUInt32Value(merging previous: UInt32?, depth: Int) throws(ProtoDecodingError) -> UInt32 {
        var wrapper = ProtoUInt32Value(previous ?? 0)
        try mergeMessage(into: &wrapper, depth: depth)
        return wrapper.value
    }

    @inlinable
    public mutating func readUInt64Value(merging previous: UInt64?, depth: Int) throws(ProtoDecodingError) -> UInt64 {
        var wrapper = ProtoUInt64Value(previous ?? 0)
        try mergeMessage(into: &wrapper, depth: depth)
        return wrapper.value
    }

    @inlinable
    public mutating func readStringValue(merging previous: String?, depth: Int) throws(ProtoDecodingError) -> String {
        var wrapper = ProtoStringValue(previous ?? "")
        try mergeMessage(into: &wrapper, depth: depth)
        return wrapper.value
    }
}

extension ProtoWriter {
    /// `nil` writes nothing; `false` writes the present-but-empty wrapper `key 00`.
    @inlinable
    public mutating func writeBoolValue(_ value: Bool?, field: Int) {
        writeMessage(value.map(ProtoBoolValue.init), field: field)
    }

    @inlinable
    public mutating func writeUInt32Value(_ value: UInt32?, field: Int) {
        writeMessage(value.map(ProtoUInt32Value.init), field: field)
    }

    @inlinable
    public mutating func writeUInt64Value(_ value: UInt64?, field: Int) {
        writeMessage(value.map(ProtoUInt64Value.init), field: field)
    }

    @inlinable
    public mutating func writeStringValue(_ value: String?, field: Int) {
        writeMessage(value.map(ProtoStringValue.init), field: field)
    }
}
