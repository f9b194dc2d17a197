import ProtoWire

/// `envoy.service.auth.v3.CheckRequest`: the unary ext_authz question.
public struct CheckRequest: ProtoMessage, Hashable {
    public var attributes: AttributeContext?

    public init() { attributes = nil }

    public init(attributes: AttributeContext?) { self.attributes = attributes }

    /// Shortcut to the HTTP request attributes (`attributes.request.http`).
    public var http: AttributeContext.HttpRequest? { attributes?.request?.http }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): try reader.mergeMessage(into: &attributes, depth: depth)
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeMessage(attributes, field: 1)
    }
}
