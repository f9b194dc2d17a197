import ProtoWire

/// `envoy.service.ext_proc.v3.HttpTrailers`.
public struct HttpTrailers: ProtoMessage, Hashable {
    public var trailers: HeaderMap?

    public init() { trailers = nil }

    public init(trailers: HeaderMap?) { self.trailers = trailers }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): try reader.mergeMessage(into: &trailers, depth: depth)
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeMessage(trailers, field: 1)
    }
}
