import ProtoWire

/// `envoy.service.ext_proc.v3.ImmediateResponse`: a local reply that ends processing.
public struct ImmediateResponse: ProtoMessage, Hashable {
    /// Missing or < 200 becomes 200 in Envoy.
    public var status: HttpStatus?
    /// Checked by the same mutation rules as ordinary header mutations.
    public var headers: HeaderMutation?
    public var body: [UInt8]
    public var grpcStatus: GrpcStatus?
    /// Shows up (spaces turned into `_`) in `%RESPONSE_CODE_DETAILS%`.
    public var details: String

    public init() { self.init(status: nil) }

    public init(status: HttpStatus?, headers: HeaderMutation? = nil, body: [UInt8] = [],
                grpcStatus: GrpcStatus? = nil, details: String = "") {
        self.status = status
        self.headers = headers
        self.body = body
        self.grpcStatus = grpcStatus
        self.details = details
    }

    /// A reply with `code`, the given headers (values sent as `raw_value`) and a UTF-8 body.
    public init(code: Int32, headers: [HeaderValueOption] = [], body: String = "", details: String = "") {
        self.init(status: HttpStatus(code: code),
                  headers: headers.isEmpty ? nil : HeaderMutation(setHeaders: headers),
                  body: Array(body.utf8), details: details)
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): try reader.mergeMessage(into: &status, depth: depth)
            case (2, .lengthDelimited): try reader.mergeMessage(into: &headers, depth: depth)
            case (3, .lengthDelimited): body = try reader.readBytes()
            case (4, .lengthDelimited): try reader.mergeMessage(into: &grpcStatus, depth: depth)
            case (5, .lengthDelimited): details = try reader.readString()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeMessage(status, field: 1)
        writer.writeMessage(headers, field: 2)
        writer.writeBytes(body, field: 3)
        writer.writeMessage(grpcStatus, field: 4)
        writer.writeString(details, field: 5)
    }
}

/// `envoy.service.ext_proc.v3.GrpcStatus`: adds a `grpc-status` to an immediate response.
public struct GrpcStatus: ProtoMessage, Hashable {
    public var status: UInt32

    public init() { status = 0 }

    public init(status: UInt32) { self.status = status }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .varint): status = try reader.readUInt32()
            default: try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeUInt32(status, field: 1)
    }
}
