import EnvoyProto
import ProtoWire

extension GoldenExpectations {
    static let metadataStruct: ProtoStruct = [
        "sub": "alice", "n": 2.5, "ok": true, "nil": nil,
        "list": [1, "a", ["k": "v"], [], false],
        "obj": ["x": ["y": []]],
    ]

    static let extProcRequests: [String: GoldenExpectation] = [
        "processing_request_headers_full": .init(ProcessingRequest(
            request: .requestHeaders(HttpHeaders(headers: HeaderMap(headers: [
                hv(":method", "POST"), hv(":path", "/mcp"), hv("x-dup", "a"), hv("x-dup", "b"),
                HeaderValue(key: "x-legacy", value: "text"),
                HeaderValue(key: "x-binary", rawValue: [0xFF, 0x00, 0x80]),
            ]))),
            metadataContext: Metadata(
                filterMetadata: ["envoy.filters.http.ext_authz": metadataStruct, "other.ns": ProtoStruct()],
                typedFilterMetadata: ["typed.ns": ProtoAny(typeURL: "type.googleapis.com/google.protobuf.StringValue",
                                                           value: [0x0A, 0x02, 0x68, 0x69])]),
            attributes: ["envoy.filters.http.ext_proc": [
                "request.path": "/mcp", "request.method": "POST", "source.address": "10.0.0.1:5555",
            ]],
            protocolConfig: ProtocolConfiguration(requestBodyMode: .buffered, responseBodyMode: .streamed,
                                                  sendBodyWithoutWaitingForHeaderResponse: true))),
        "processing_request_response_headers": .init(ProcessingRequest(
            request: .responseHeaders(HttpHeaders(headers: HeaderMap(headers: [hv(":status", "200")]), endOfStream: true)),
            observabilityMode: true)),
        "processing_request_request_body_all_fields": .init(ProcessingRequest(request: .requestBody(HttpBody(
            body: [0x00, 0xFF] + b("{\"jsonrpc\":\"2.0\"}"), endOfStream: true, endOfStreamWithoutMessage: true,
            grpcMessageCompressed: true, drainComplete: true)))),
        "processing_request_response_body_empty": .init(ProcessingRequest(request: .responseBody(HttpBody()))),
        "processing_request_request_trailers": .init(ProcessingRequest(
            request: .requestTrailers(HttpTrailers(trailers: HeaderMap(headers: [hv("x-checksum", "abc")]))))),
        "processing_request_response_trailers_empty": .init(ProcessingRequest(request: .responseTrailers(HttpTrailers()))),
        "processing_request_flow_control": .init(ProcessingRequest(
            request: .requestHeaders(HttpHeaders()),
            flowControlInit: .init(initialWindowDownstreamToSidestream: 1, initialWindowSidestreamToUpstream: 65535,
                                   initialWindowUpstreamToSidestream: 1 << 40, initialWindowSidestreamToDownstream: -1),
            clientWindowUpdate: .init(windowIncrementSidestreamToUpstream: 5,
                                      windowIncrementSidestreamToDownstream: .min))),
        "processing_request_empty": .init(ProcessingRequest()),
        "processing_request_unknown_fields": .init(ProcessingRequest(
            request: .requestHeaders(HttpHeaders(headers: HeaderMap(headers: [hv("x-a", "1")]), endOfStream: true)))),
        "processing_request_wrong_wire_type": .init(ProcessingRequest(request: .requestBody(HttpBody(body: b("abc"))))),
        "processing_request_last_wins": .init(ProcessingRequest(
            request: .requestBody(HttpBody(body: b("second"), endOfStream: true)), observabilityMode: false)),
        "processing_request_oneof_switch": .init(ProcessingRequest(
            request: .responseHeaders(HttpHeaders(headers: HeaderMap(headers: [hv("k", "v")]))))),
        "processing_request_deprecated_attributes": .init(ProcessingRequest(request: .requestHeaders(HttpHeaders()))),
    ]

    static let extProcResponses: [String: GoldenExpectation] = [
        "processing_response_request_headers_full": .init(ProcessingResponse(
            response: .requestHeaders(HeadersResponse(response: CommonResponse(
                status: .continueAndReplace,
                headerMutation: HeaderMutation(
                    setHeaders: [
                        .overwrite(key: "x-mcp-server", rawValue: b("beta")),
                        .append(key: "x-add", rawValue: b("1")),
                        HeaderValueOption(header: HeaderValue(key: "x-keep", value: "text"), append: false,
                                          appendAction: .overwriteIfExists, keepEmptyValue: true),
                    ],
                    removeHeaders: ["x-remove", "authorization"]),
                bodyMutation: BodyMutation(.body(b("{}"))),
                trailers: HeaderMap(headers: [hv("x-t", "1")]),
                clearRouteCache: true))),
            dynamicMetadata: ["mcp.gateway": ["tool": "x"]],
            modeOverride: ProcessingMode(requestHeaderMode: .send, responseHeaderMode: .skip,
                                         requestBodyMode: .buffered, responseBodyMode: .streamed,
                                         requestTrailerMode: .skip, responseTrailerMode: .send),
            overrideMessageTimeout: ProtoDuration(seconds: 2, nanos: 5))),
        "processing_response_clear_body_false": .init(ProcessingResponse(response: .requestBody(BodyResponse(
            response: CommonResponse(bodyMutation: BodyMutation(.clearBody(false))))))),
        "processing_response_empty_body_mutation": .init(ProcessingResponse(response: .requestBody(BodyResponse(
            response: CommonResponse(bodyMutation: BodyMutation(.body([]))))))),
        "processing_response_clear_body_true": .init(ProcessingResponse(response: .responseBody(BodyResponse(
            response: CommonResponse(headerMutation: HeaderMutation(), bodyMutation: BodyMutation(.clearBody(true))))))),
        "processing_response_streamed_body": .init(ProcessingResponse(response: .responseBody(BodyResponse(
            response: CommonResponse(bodyMutation: BodyMutation(.streamedResponse(StreamedBodyResponse(
                body: b("chunk"), endOfStream: true, endOfStreamWithoutMessage: true,
                grpcMessageCompressed: true, drainComplete: true)))))))),
        "processing_response_request_trailers": .init(ProcessingResponse(response: .requestTrailers(TrailersResponse(
            headerMutation: HeaderMutation(setHeaders: [HeaderValueOption(header: hv("x-trailer", "v"))],
                                           removeHeaders: ["x-gone"]))))),
        "processing_response_response_trailers_empty": .init(ProcessingResponse(response: .responseTrailers(TrailersResponse()))),
        "processing_response_immediate_full": .init(ProcessingResponse(response: .immediateResponse(ImmediateResponse(
            status: HttpStatus(code: 429),
            headers: HeaderMutation(setHeaders: [.overwrite(key: "retry-after", value: "1")], removeHeaders: ["x-internal"]),
            body: [0xF0, 0x9F, 0x9B, 0x91] + b(" slow down"),
            grpcStatus: GrpcStatus(status: 8),
            details: "rate limited")))),
        "processing_response_streamed_immediate_headers": .init(ProcessingResponse(
            response: .streamedImmediateResponse(StreamedImmediateResponse(.headersResponse(HttpHeaders(
                headers: HeaderMap(headers: [hv(":status", "200"), hv("content-type", "text/event-stream")]))))),
            requestDrain: true,
            typedDynamicMetadata: ["b.ns": anyString("two"), "a.ns": anyString("one")],
            serverWindowUpdate: .init(windowIncrementDownstreamToSidestream: 1 << 20, windowIncrementUpstreamToSidestream: -2),
            requestDrainRequests: true,
            requestDrainResponses: true)),
        "processing_response_streamed_immediate_body": .init(ProcessingResponse(
            response: .streamedImmediateResponse(StreamedImmediateResponse(.bodyResponse(StreamedBodyResponse(
                body: b("data: {}\n\n"), endOfStream: true)))))),
        "processing_response_streamed_immediate_trailers": .init(ProcessingResponse(
            response: .streamedImmediateResponse(StreamedImmediateResponse(.trailersResponse(
                HeaderMap(headers: [hv("grpc-status", "0")])))))),
        "processing_response_streamed_immediate_ordering": .init(ProcessingResponse(
            response: .streamedImmediateResponse(StreamedImmediateResponse()),
            dynamicMetadata: ["mcp.gateway": [:]],
            overrideMessageTimeout: ProtoDuration(seconds: 3))),
        "processing_response_unknown_fields": .init(reroute),
        "processing_mode_unknown_enum_values": .init(ProcessingMode(
            requestHeaderMode: .skip, requestBodyMode: .init(rawValue: 9), responseBodyMode: .none,
            responseTrailerMode: .init(rawValue: 7))),
    ]
}
