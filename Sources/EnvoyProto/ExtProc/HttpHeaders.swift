import ProtoWire

/// `envoy.service.ext_proc.v3.HttpHeaders`: request or response headers sent to the processor.
///
/// Field 2 (`attributes`) is deprecated and never populated by Envoy; it is skipped on decode.
public struct HttpHeaders: ProtoMessage, Hashable {
    public var headers: HeaderMap?
    /// True when no body follows in this direction (so no body message will be sent either).
    public var endOfStream: Bool

    public init() { self.init(headers: nil) }

    public init(headers: HeaderMap?, endOfStream: Bool = false) {
        self.headers = headers
        self.endOfStream = endOfStream
    }

    /// First value of header `name` (Envoy sends values in `raw_value`).
    public func first(_ name: String) -> [UInt8]? { headers?.first(name) }

    /// First value of header `name` as text; nil if absent or not UTF-8.
    public func firstString(_ name: String) -> String? { headers?.firstString(name) }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): try reader.mergeMessage(into: &headers, depth: depth)
            case (3, .varint): endOfStream = try reader.readBool()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeMessage(headers, field: 1)
        writer.writeBool(endOfStream, field: 3)
    }
}
