import ProtoWire

/// `envoy.service.ext_proc.v3.HeadersResponse`: answer to a headers message.
/// An empty one (`HeadersResponse()`) means "continue unchanged".
public struct HeadersResponse: ProtoMessage, Hashable {
    public var response: CommonResponse?

    public init() { response = nil }

    public init(response: CommonResponse?) { self.response = response }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): try reader.mergeMessage(into: &response, depth: depth)
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeMessage(response, field: 1)
    }
}

/// `envoy.service.ext_proc.v3.BodyResponse`: answer to a body message (same shape as
/// `HeadersResponse`, distinct type because the oneof member decides the meaning).
public struct BodyResponse: ProtoMessage, Hashable {
    public var response: CommonResponse?

    public init() { response = nil }

    public init(response: CommonResponse?) { self.response = response }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): try reader.mergeMessage(into: &response, depth: depth)
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeMessage(response, field: 1)
    }
}

/// `envoy.service.ext_proc.v3.TrailersResponse`.
public struct TrailersResponse: ProtoMessage, Hashable {
    public var headerMutation: HeaderMutation?

    public init() { headerMutation = nil }

    public init(headerMutation: HeaderMutation?) { self.headerMutation = headerMutation }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): try reader.mergeMessage(into: &headerMutation, depth: depth)
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeMessage(headerMutation, field: 1)
    }
}
