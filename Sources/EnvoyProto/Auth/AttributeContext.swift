import ProtoWire

/// `envoy.service.auth.v3.AttributeContext`: what Envoy knows about the request being authorised.
public struct AttributeContext: ProtoMessage, Hashable {
    public var source: Peer?
    public var destination: Peer?
    public var request: Request?
    /// From per-route `check_settings.context_extensions`.
    public var contextExtensions: [String: String]
    public var metadataContext: Metadata?
    public var routeMetadataContext: Metadata?
    /// Only with `include_tls_session`.
    public var tlsSession: TLSSession?

    public init() { self.init(request: nil) }

    public init(source: Peer? = nil, destination: Peer? = nil, request: Request?,
                contextExtensions: [String: String] = [:], metadataContext: Metadata? = nil,
                routeMetadataContext: Metadata? = nil, tlsSession: TLSSession? = nil) {
        self.source = source
        self.destination = destination
        self.request = request
        self.contextExtensions = contextExtensions
        self.metadataContext = metadataContext
        self.routeMetadataContext = routeMetadataContext
        self.tlsSession = tlsSession
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): try reader.mergeMessage(into: &source, depth: depth)
            case (2, .lengthDelimited): try reader.mergeMessage(into: &destination, depth: depth)
            case (4, .lengthDelimited): try reader.mergeMessage(into: &request, depth: depth)
            case (10, .lengthDelimited):
                let entry = try reader.readStringMapEntry(depth: depth)
                contextExtensions[entry.key] = entry.value
            case (11, .lengthDelimited): try reader.mergeMessage(into: &metadataContext, depth: depth)
            case (12, .lengthDelimited): try reader.mergeMessage(into: &tlsSession, depth: depth)
            case (13, .lengthDelimited): try reader.mergeMessage(into: &routeMetadataContext, depth: depth)
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeMessage(source, field: 1)
        writer.writeMessage(destination, field: 2)
        writer.writeMessage(request, field: 4)
        writer.writeStringMap(contextExtensions, field: 10)
        writer.writeMessage(metadataContext, field: 11)
        writer.writeMessage(tlsSession, field: 12)
        writer.writeMessage(routeMetadataContext, field: 13)
    }
}
