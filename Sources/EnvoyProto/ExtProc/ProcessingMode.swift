import ProtoWire

/// `envoy.extensions.filters.http.ext_proc.v3.ProcessingMode`, sent back as `mode_override`.
///
/// Envoy takes the two body modes verbatim from an override (DEFAULT does not mean "keep"), so
/// callers should always set both body modes explicitly.
public struct ProcessingMode: ProtoMessage, Hashable {
    /// Open enum: values from a newer Envoy survive a decode/encode round trip.
    public struct HeaderSendMode: RawRepresentable, Sendable, Hashable {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        /// In an override: keep the current mode.
        public static let `default` = HeaderSendMode(rawValue: 0)
        public static let send = HeaderSendMode(rawValue: 1)
        public static let skip = HeaderSendMode(rawValue: 2)
    }

    public struct BodySendMode: RawRepresentable, Sendable, Hashable {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let none = BodySendMode(rawValue: 0)
        public static let streamed = BodySendMode(rawValue: 1)
        public static let buffered = BodySendMode(rawValue: 2)
        public static let bufferedPartial = BodySendMode(rawValue: 3)
        public static let fullDuplexStreamed = BodySendMode(rawValue: 4)
        /// Work in progress in Envoy 1.40 (one body message per gRPC message).
        public static let grpc = BodySendMode(rawValue: 5)
    }

    public var requestHeaderMode: HeaderSendMode
    public var responseHeaderMode: HeaderSendMode
    public var requestBodyMode: BodySendMode
    public var responseBodyMode: BodySendMode
    public var requestTrailerMode: HeaderSendMode
    public var responseTrailerMode: HeaderSendMode

    public init() { self.init(requestBodyMode: .none, responseBodyMode: .none) }

    public init(requestHeaderMode: HeaderSendMode = .default, responseHeaderMode: HeaderSendMode = .default,
                requestBodyMode: BodySendMode, responseBodyMode: BodySendMode,
                requestTrailerMode: HeaderSendMode = .default, responseTrailerMode: HeaderSendMode = .default) {
        self.requestHeaderMode = requestHeaderMode
        self.responseHeaderMode = responseHeaderMode
        self.requestBodyMode = requestBodyMode
        self.responseBodyMode = responseBodyMode
        self.requestTrailerMode = requestTrailerMode
        self.responseTrailerMode = responseTrailerMode
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .varint): requestHeaderMode = HeaderSendMode(rawValue: try reader.readEnum())
            case (2, .varint): responseHeaderMode = HeaderSendMode(rawValue: try reader.readEnum())
            case (3, .varint): requestBodyMode = BodySendMode(rawValue: try reader.readEnum())
            case (4, .varint): responseBodyMode = BodySendMode(rawValue: try reader.readEnum())
            case (5, .varint): requestTrailerMode = HeaderSendMode(rawValue: try reader.readEnum())
            case (6, .varint): responseTrailerMode = HeaderSendMode(rawValue: try reader.readEnum())
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeEnum(requestHeaderMode.rawValue, field: 1)
        writer.writeEnum(responseHeaderMode.rawValue, field: 2)
        writer.writeEnum(requestBodyMode.rawValue, field: 3)
        writer.writeEnum(responseBodyMode.rawValue, field: 4)
        writer.writeEnum(requestTrailerMode.rawValue, field: 5)
        writer.writeEnum(responseTrailerMode.rawValue, field: 6)
    }
}
