import ProtoWire

/// `envoy.service.auth.v3.CheckResponse`.
///
/// The decision is `status.code`: 0 (or `status` absent) allows, anything else denies. An empty
/// message therefore means ALLOW — build replies through `allow`/`deny` to make that explicit.
public struct CheckResponse: ProtoMessage, Hashable {
    /// oneof `http_response`.
    public enum HTTPResponse: Sendable, Hashable {
        case deniedResponse(DeniedHttpResponse)   // 2
        case okResponse(OkHttpResponse)           // 3
        /// Envoy 1.37+: the authorisation server itself failed (obeys `failure_mode_allow`).
        case errorResponse(DeniedHttpResponse)    // 5
    }

    public var status: RPCStatus?
    public var httpResponse: HTTPResponse?
    /// Emitted as dynamic metadata under `envoy.filters.http.ext_authz`.
    public var dynamicMetadata: ProtoStruct?

    public init() { self.init(status: nil) }

    public init(status: RPCStatus?, httpResponse: HTTPResponse? = nil, dynamicMetadata: ProtoStruct? = nil) {
        self.status = status
        self.httpResponse = httpResponse
        self.dynamicMetadata = dynamicMetadata
    }

    /// Allow, with optional upstream-request mutations and metadata.
    public static func allow(_ ok: OkHttpResponse = OkHttpResponse(), dynamicMetadata: ProtoStruct? = nil) -> CheckResponse {
        CheckResponse(status: RPCStatus(code: 0), httpResponse: .okResponse(ok), dynamicMetadata: dynamicMetadata)
    }

    /// Deny with gRPC `code` (non-zero, e.g. 16 UNAUTHENTICATED / 7 PERMISSION_DENIED) and the
    /// local reply Envoy should send.
    public static func deny(code: Int32, _ denied: DeniedHttpResponse) -> CheckResponse {
        assert(code != 0, "code 0 means allow")
        return CheckResponse(status: RPCStatus(code: code), httpResponse: .deniedResponse(denied))
    }

    public mutating func merge(from reader: inout ProtoReader, depth: Int) throws(ProtoDecodingError) {
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited):
                try reader.mergeMessage(into: &status, depth: depth)
            case (2, .lengthDelimited):
                var previous: DeniedHttpResponse?
                if case .deniedResponse(let value) = httpResponse { previous = value }
                httpResponse = .deniedResponse(try reader.readMessage(merging: previous, depth: depth))
            case (3, .lengthDelimited):
                var previous: OkHttpResponse?
                if case .okResponse(let value) = httpResponse { previous = value }
                httpResponse = .okResponse(try reader.readMessage(merging: previous, depth: depth))
            case (5, .lengthDelimited):
                var previous: DeniedHttpResponse?
                if case .errorResponse(let value) = httpResponse { previous = value }
                httpResponse = .errorResponse(try reader.readMessage(merging: previous, depth: depth))
            case (4, .lengthDelimited):
                try reader.mergeMessage(into: &dynamicMetadata, depth: depth)
            default:
                try reader.skip(field)
            }
        }
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeMessage(status, field: 1)
        switch httpResponse {
        case .deniedResponse(let value): writer.writeMessage(value, field: 2)
        case .okResponse(let value): writer.writeMessage(value, field: 3)
        case .errorResponse, nil: break
        }
        writer.writeMessage(dynamicMetadata, field: 4)
        if case .errorResponse(let value) = httpResponse {
            writer.writeMessage(value, field: 5)
        }
    }
}
