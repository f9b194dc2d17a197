import ProtoWire

/// Shorthands for the replies the gateway sends on almost every request, so call sites read as
/// intent ("continue", "set these headers and re-route") rather than as nested optionals.
extension ProcessingResponse {
    /// `{request_headers{}}`: continue without changes (`0a 00`).
    public static var continueRequestHeaders: ProcessingResponse { .init(response: .requestHeaders(HeadersResponse())) }
    /// `{response_headers{}}`.
    public static var continueResponseHeaders: ProcessingResponse { .init(response: .responseHeaders(HeadersResponse())) }
    /// `{request_body{}}`.
    public static var continueRequestBody: ProcessingResponse { .init(response: .requestBody(BodyResponse())) }
    /// `{response_body{}}`.
    public static var continueResponseBody: ProcessingResponse { .init(response: .responseBody(BodyResponse())) }
    /// `{request_trailers{}}`.
    public static var continueRequestTrailers: ProcessingResponse { .init(response: .requestTrailers(TrailersResponse())) }
    /// `{response_trailers{}}`.
    public static var continueResponseTrailers: ProcessingResponse { .init(response: .responseTrailers(TrailersResponse())) }

    /// A local reply ending processing for this HTTP request.
    public static func immediate(_ reply: ImmediateResponse) -> ProcessingResponse {
        .init(response: .immediateResponse(reply))
    }
}

extension CommonResponse {
    /// Header changes, optionally with a route-cache clear. The mutation is always present (even
    /// when empty) because Envoy ignores `clear_route_cache` without one.
    public static func mutating(set: [HeaderValueOption] = [], remove: [String] = [],
                                clearRouteCache: Bool = false) -> CommonResponse {
        CommonResponse(headerMutation: HeaderMutation(setHeaders: set, removeHeaders: remove),
                       clearRouteCache: clearRouteCache)
    }
}

extension ProcessingResponse {
    /// A reply carrying pre-encoded dynamic metadata (nil: none).
    public init(response: Response, encodedMetadata: [UInt8]?) {
        self.init(response: response)
        self.dynamicMetadataEncoded = encodedMetadata
    }
}
