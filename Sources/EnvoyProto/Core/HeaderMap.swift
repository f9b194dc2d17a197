import ProtoWire

/// `envoy.config.core.v3.HeaderMap`: an ordered list, because repeated headers arrive as
/// separate entries and their order is meaningful.
public struct HeaderMap: ProtoMessage, Hashable {
    public var headers: [HeaderValue]

    public init() { headers = [] }

    public init(headers: [HeaderValue]) { self.headers = headers }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): headers.append(try reader.readMessage(HeaderValue.self, depth: depth))
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeRepeatedMessage(headers, field: 1)
    }
}
