import ProtoWire

/// `envoy.service.ext_proc.v3.CommonResponse`: the mutations carried by headers and body replies.
public struct CommonResponse: ProtoMessage, Hashable {
    public struct ResponseStatus: RawRepresentable, Sendable, Hashable {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let `continue` = ResponseStatus(rawValue: 0)
        /// In a headers reply: apply `body_mutation` as the body and stop processing this direction.
        public static let continueAndReplace = ResponseStatus(rawValue: 1)
    }

    public var status: ResponseStatus
    /// Presence matters: `clear_route_cache` is honoured only when this is present (even empty).
    public var headerMutation: HeaderMutation?
    public var bodyMutation: BodyMutation?
    /// Not implemented by Envoy.
    public var trailers: HeaderMap?
    public var clearRouteCache: Bool

    public init() { self.init(status: .continue) }

    public init(status: ResponseStatus = .continue, headerMutation: HeaderMutation? = nil,
                bodyMutation: BodyMutation? = nil, trailers: HeaderMap? = nil, clearRouteCache: Bool = false) {
        self.status = status
        self.headerMutation = headerMutation
        self.bodyMutation = bodyMutation
        self.trailers = trailers
        self.clearRouteCache = clearRouteCache
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .varint): status = ResponseStatus(rawValue: try reader.readEnum())
            case (2, .lengthDelimited): try reader.mergeMessage(into: &headerMutation, depth: depth)
            case (3, .lengthDelimited): try reader.mergeMessage(into: &bodyMutation, depth: depth)
            case (4, .lengthDelimited): try reader.mergeMessage(into: &trailers, depth: depth)
            case (5, .varint): clearRouteCache = try reader.readBool()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeEnum(status.rawValue, field: 1)
        writer.writeMessage(headerMutation, field: 2)
        writer.writeMessage(bodyMutation, field: 3)
        writer.writeMessage(trailers, field: 4)
        writer.writeBool(clearRouteCache, field: 5)
    }
}
