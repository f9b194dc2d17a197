import ProtoWire

extension AttributeContext {
    /// `AttributeContext.Request`.
    public struct Request: ProtoMessage, Hashable {
        /// When Envoy received the first byte of the request.
        public var time: ProtoTimestamp?
        public var http: HttpRequest?

        public init() { self.init(http: nil) }

        public init(time: ProtoTimestamp? = nil, http: HttpRequest?) {
            self.time = time
            self.http = http
        }

        public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
            while let field = try reader.nextField() {
                switch (field.number, field.wireType) {
                case (1, .lengthDelimited): try reader.mergeMessage(into: &time, depth: depth)
                case (2, .lengthDelimited): try reader.mergeMessage(into: &http, depth: depth)
                default: try reader.skip(field)
                }
            }
        }

        public func encode(to writer: inout ProtoWriter) {
            writer.writeMessage(time, field: 1)
            writer.writeMessage(http, field: 2)
        }
    }

    /// `AttributeContext.HttpRequest`.
    ///
    /// Headers arrive either in `headers` (lower-case keys, pseudo-headers included, duplicates
    /// comma-joined, non-UTF-8 bytes replaced) or, with `encode_raw_headers`, in `headerMap`
    /// (`raw_value`, duplicates separate). `header(_:)` reads whichever is populated.
    public struct HttpRequest: ProtoMessage, Hashable {
        /// Envoy's internal stream id in decimal (not `x-request-id`).
        public var id: String
        public var method: String
        public var headers: [String: String]
        /// Request target including the query, undecoded.
        public var path: String
        public var host: String
        public var scheme: String
        /// Always empty in practice: the query stays in `path`.
        public var query: String
        public var fragment: String
        /// Bytes received so far; -1 when unknown.
        public var size: Int64
        public var `protocol`: String
        /// UTF-8-sanitised body, only with `with_request_body`.
        public var body: String
        /// Body bytes instead of `body` with `pack_as_bytes`.
        public var rawBody: [UInt8]
        public var headerMap: HeaderMap?

        public init() { self.init(method: "", path: "") }

        public init(id: String = "", method: String, headers: [String: String] = [:], path: String,
                    host: String = "", scheme: String = "", query: String = "", fragment: String = "",
                    size: Int64 = 0, protocol: String = "", body: String = "", rawBody: [UInt8] = [],
                    headerMap: HeaderMap? = nil) {
            self.id = id
            self.method = method
            self.headers = headers
            self.path = path
            self.host = host
            self.scheme = scheme
            self.query = query
            self.fragment = fragment
            self.size = size
            self.protocol = `protocol`
            self.body = body
            self.rawBody = rawBody
            self.headerMap = headerMap
        }

        /// A header value by lower-case name from `headers`, falling back to `headerMap`.
        public func header(_ name: String) -> String? {
            if let value = headers[name] { return value }
            return headerMap?.firstString(name)
        }

        public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
            while let field = try reader.nextField() {
                switch (field.number, field.wireType) {
                case (1, .lengthDelimited): id = try reader.readString()
                case (2, .lengthDelimited): method = try reader.readString()
                case (3, .lengthDelimited):
                    let entry = try reader.readStringMapEntry(depth: depth)
                    headers[entry.key] = entry.value
                case (4, .lengthDelimited): path = try reader.readString()
                case (5, .lengthDelimited): host = try reader.readString()
                case (6, .lengthDelimited): scheme = try reader.readString()
                case (7, .lengthDelimited): query = try reader.readString()
                case (8, .lengthDelimited): fragment = try reader.readString()
                case (9, .varint): size = try reader.readInt64()
                case (10, .lengthDelimited): self.protocol = try reader.readString()
                case (11, .lengthDelimited): body = try reader.readString()
                case (12, .lengthDelimited): rawBody = try reader.readBytes()
                case (13, .lengthDelimited): try reader.mergeMessage(into: &headerMap, depth: depth)
                default: try reader.skip(field)
                }
            }
        }

        public func encode(to writer: inout ProtoWriter) {
            writer.writeString(id, field: 1)
            writer.writeString(method, field: 2)
            writer.writeStringMap(headers, field: 3)
            writer.writeString(path, field: 4)
            writer.writeString(host, field: 5)
            writer.writeString(scheme, field: 6)
            writer.writeString(query, field: 7)
            writer.writeString(fragment, field: 8)
            writer.writeInt64(size, field: 9)
            writer.writeString(self.protocol, field: 10)
            writer.writeString(body, field: 11)
            writer.writeBytes(rawBody, field: 12)
            writer.writeMessage(headerMap, field: 13)
        }
    }
}
