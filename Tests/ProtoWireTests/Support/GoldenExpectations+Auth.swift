import EnvoyProto
import ProtoWire

extension GoldenExpectations {
    static let namedPortAddress: SocketAddress = {
        var address = SocketAddress(address: "example.com", protocol: .udp)
        address.portSpecifier = .namedPort("https")
        address.resolverName = "dns"
        address.ipv4Compat = true
        address.networkNamespaceFilepath = "/var/run/netns/a"
        return address
    }()

    static let authorization: [String: GoldenExpectation] = [
        "check_request_full": .init(CheckRequest(attributes: AttributeContext(
            source: .init(
                address: Address(.socketAddress(SocketAddress(address: "10.0.0.1", portValue: 5555))),
                service: "client", labels: ["app": "agent", "team": "a"],
                principal: "spiffe://cluster.local/ns/a/sa/agent", certificate: "-----BEGIN%20CERTIFICATE-----"),
            destination: .init(address: Address(.socketAddress(SocketAddress(address: "127.0.0.1", portValue: 8080)))),
            request: .init(
                time: ProtoTimestamp(seconds: 1_700_000_000, nanos: 123_456_789),
                http: .init(
                    id: "12345", method: "POST",
                    headers: [":path": "/mcp?x=1", "authorization": "Bearer x", "accept": "a, b"],
                    path: "/mcp?x=1", host: "gw.local", scheme: "http", query: "q", fragment: "f", size: -1,
                    protocol: "HTTP/1.1", body: "{\"jsonrpc\":\"2.0\"}", rawBody: [0x00, 0x01, 0xFE],
                    headerMap: HeaderMap(headers: [hv("x-dup", "1"), hv("x-dup", "2")]))),
            contextExtensions: ["route": "alpha", "tier": "gold"],
            metadataContext: Metadata(filterMetadata: [
                "envoy.filters.http.jwt_authn": ["claims": ["sub": "u", "aud": ["a", "b"]]],
            ]),
            routeMetadataContext: Metadata(filterMetadata: ["route.ns": ["k": 1]]),
            tlsSession: .init(sni: "gw.example.com")))),
        "check_request_pipe_and_internal_address": .init(CheckRequest(attributes: AttributeContext(
            source: .init(address: Address(.pipe(Pipe(path: "/run/envoy.sock", mode: 0o600)))),
            destination: .init(address: Address(.envoyInternalAddress(
                EnvoyInternalAddress(serverListenerName: "internal", endpointID: "e1")))),
            request: nil))),
        "check_request_socket_address_variants": .init(CheckRequest(attributes: AttributeContext(
            source: .init(address: Address(.socketAddress(namedPortAddress))),
            destination: .init(address: Address(.socketAddress(SocketAddress(address: "", portValue: 0)))),
            request: nil))),
        "check_response_ok_full": .init(CheckResponse(
            status: RPCStatus(code: 0, message: "ok", details: [anyString("x")]),
            httpResponse: .okResponse(OkHttpResponse(
                headers: [
                    .authzOverwrite(key: "x-user", value: "alice"),
                    HeaderValueOption(header: HeaderValue(key: "x-tag", value: "t"), append: true),
                ],
                headersToRemove: ["authorization", "cookie"],
                responseHeadersToAdd: [.authzAddIfAbsent(key: "x-auth", value: "ok")],
                queryParametersToSet: [QueryParameter(key: "tenant", value: "a")],
                queryParametersToRemove: ["token"])),
            dynamicMetadata: ["user": "alice"])),
        "check_response_ok_deprecated_metadata": .init(CheckResponse(status: nil, httpResponse: .okResponse(OkHttpResponse()))),
        "check_response_error_response": .init(CheckResponse(
            status: RPCStatus(code: 13, message: "backend down"),
            httpResponse: .errorResponse(DeniedHttpResponse(
                status: HttpStatus(code: 503), headers: [.authzOverwrite(key: "retry-after", value: "5")],
                body: "try later")),
            dynamicMetadata: ["reason": "backend"])),
        "check_response_denied_empty": .init(CheckResponse(
            status: RPCStatus(code: 7), httpResponse: .deniedResponse(DeniedHttpResponse()))),
        "rpc_status_negative_code": .init(RPCStatus(code: -2, message: "négatif", details: [anyString("a"), anyString("b")])),
        "rpc_status_code_5_byte_int32": .init(RPCStatus(code: -1)),
        "health_check_request": .init(HealthCheckRequest(service: "envoy.service.ext_proc.v3.ExternalProcessor")),
        "health_check_request_empty": .init(HealthCheckRequest()),
        "health_check_response_serving": .init(HealthCheckResponse(status: .serving)),
        "health_check_response_service_unknown": .init(HealthCheckResponse(status: .serviceUnknown)),
        "health_check_response_unknown_enum": .init(HealthCheckResponse(status: .init(rawValue: 7))),
    ]
}
