import ProtoWire

/// `envoy.service.auth.v3.DeniedHttpResponse`: the local reply for a denied request.
public struct DeniedHttpResponse: ProtoMessage, Hashable {
    /// Unset or 0 means 403.
    public var status: HttpStatus?
    /// Use `HeaderValueOption.authzOverwrite(key:value:)`: ext_authz reads `value`, not `raw_value`.
    public var headers: [HeaderValueOption]
    /// A `string` field: must be valid UTF-8.
    public var body: String

    public init() { self.init(status: nil) }

    public init(status: HttpStatus?, headers: [HeaderValueOption] = [], body: String = "") {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): try reader.mergeMessage(into: &status, depth: depth)
            case (2, .lengthDelimited): headers.append(try reader.readMessage(HeaderValueOption.self, depth: depth))
            case (3, .lengthDelimited): body = try reader.readString()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeMessage(status, field: 1)
        writer.writeRepeatedMessage(headers, field: 2)
        writer.writeString(body, field: 3)
    }
}
