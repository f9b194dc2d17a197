import ProtoWire

/// `envoy.config.core.v3.HeaderValue`.
///
/// A header value travels in one of two fields: Envoy fills `raw_value` (bytes) when it sends
/// headers to ext_proc, while ext_authz reads only `value` (string). Use `valueBytes` to read
/// whichever is set.
public struct HeaderValue: ProtoMessage, Hashable {
    public var key: String
    /// Must be valid UTF-8 (Envoy rejects the whole message otherwise).
    public var value: String
    public var rawValue: [UInt8]

    public init() { self.init(key: "") }

    public init(key: String, value: String = "", rawValue: [UInt8] = []) {
        self.key = key
        self.value = value
        self.rawValue = rawValue
    }

    /// `raw_value` when present, else the UTF-8 of `value`.
    public var valueBytes: [UInt8] {
        rawValue.isEmpty && !value.isEmpty ? Array(value.utf8) : rawValue
    }

    /// The value as text; nil when the raw bytes are not UTF-8.
    public var valueString: String? {
        if rawValue.isEmpty { return value }
        return UTF8Text.string(rawValue)
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): key = try reader.readString()
            case (2, .lengthDelimited): value = try reader.readString()
            case (3, .lengthDelimited): rawValue = try reader.readBytes()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeString(key, field: 1)
        writer.writeString(value, field: 2)
        writer.writeBytes(rawValue, field: 3)
    }
}
