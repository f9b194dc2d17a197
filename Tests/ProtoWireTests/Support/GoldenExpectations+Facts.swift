import EnvoyProto
import ProtoWire

/// protocol-facts §2.7 test vectors.
extension GoldenExpectations {
    static let facts: [String: GoldenExpectation] = [
        "facts_response_request_headers_continue": .init(ProcessingResponse(response: .requestHeaders(HeadersResponse()))),
        "facts_response_response_headers_continue": .init(ProcessingResponse(response: .responseHeaders(HeadersResponse()))),
        "facts_response_request_body_continue": .init(ProcessingResponse(response: .requestBody(BodyResponse()))),
        "facts_response_response_body_continue": .init(ProcessingResponse(response: .responseBody(BodyResponse()))),
        "facts_response_reroute": .init(reroute),
        "facts_response_mode_override": .init(ProcessingResponse(
            response: .requestHeaders(HeadersResponse()),
            modeOverride: ProcessingMode(requestBodyMode: .buffered, responseBodyMode: .none))),
        "facts_response_dynamic_metadata": .init(ProcessingResponse(
            response: .requestHeaders(HeadersResponse()),
            dynamicMetadata: ["mcp.gateway": ["tool": "x"]])),
        "facts_response_body_mutation": .init(ProcessingResponse(response: .requestBody(BodyResponse(
            response: CommonResponse(
                headerMutation: HeaderMutation(setHeaders: [.overwrite(key: "content-length", value: "2")]),
                bodyMutation: BodyMutation(.body(b("{}")))))))),
        "facts_response_immediate": .init(ProcessingResponse(response: .immediateResponse(ImmediateResponse(
            status: HttpStatus(code: 403),
            headers: HeaderMutation(setHeaders: [HeaderValueOption(header: hv("content-type", "application/json"))]),
            body: b("denied"), details: "policy")))),
        "facts_response_override_timeout": .init(ProcessingResponse(
            response: nil, overrideMessageTimeout: ProtoDuration(seconds: 1, nanos: 500_000_000))),
        "facts_request_method_header": .init(ProcessingRequest(
            request: .requestHeaders(HttpHeaders(headers: HeaderMap(headers: [hv(":method", "POST")]))))),
        "facts_request_body": .init(ProcessingRequest(
            request: .requestBody(HttpBody(body: b("{\"a\":1}"), endOfStream: true)))),
        "facts_request_attributes": .init(ProcessingRequest(
            request: .requestHeaders(HttpHeaders(headers: nil, endOfStream: true)),
            attributes: ["envoy.filters.http.ext_proc": ["request.path": "/mcp"]])),
        "facts_check_ok": .init(CheckResponse(
            status: RPCStatus(),
            httpResponse: .okResponse(OkHttpResponse(
                headers: [.authzOverwrite(key: "x-user", value: "alice")], headersToRemove: ["authorization"])))),
        "facts_check_denied": .init(CheckResponse(
            status: RPCStatus(code: 16),
            httpResponse: .deniedResponse(DeniedHttpResponse(
                status: HttpStatus(code: 401),
                headers: [HeaderValueOption(header: HeaderValue(key: "www-authenticate", value: "Bearer"))],
                body: "unauthorized")))),
        "facts_check_request": .init(CheckRequest(attributes: AttributeContext(request: .init(http: .init(
            method: "POST", headers: ["authorization": "Bearer x"], path: "/mcp"))))),
        "facts_check_response_empty": .init(CheckResponse()),
        "facts_value_number": .init(ProtoValue.number(1.0)),
        "facts_list_value": .init(ProtoListValue(values: [2, "a"])),
    ]

    /// `{request_headers{response{header_mutation{set x-mcp-server: beta, append=false}, clear_route_cache}}}`
    static let reroute = ProcessingResponse(response: .requestHeaders(HeadersResponse(response: CommonResponse(
        headerMutation: HeaderMutation(setHeaders: [
            HeaderValueOption(header: hv("x-mcp-server", "beta"), append: false),
        ]),
        clearRouteCache: true))))
}
