import EnvoyProto
import ProtoWire
import Testing

@Suite("Envoy conveniences")
struct EnvoyConvenienceTests {
    @Test("ext_proc overwrite: raw_value, append unset, append_action OVERWRITE_IF_EXISTS_OR_ADD")
    func extProcOverwrite() {
        let option = HeaderValueOption.overwrite(key: "x-mcp-server", rawValue: b("beta"))
        #expect(option.append == nil)
        #expect(option.header?.value == "")
        #expect(Hex.encode(option.serializedBytes()) == "0a140a0c782d6d63702d7365727665721a0462657461" + "1802")
        #expect(HeaderValueOption.overwrite(key: "x-mcp-server", value: "beta") == option)
    }

    @Test("ext_proc append: BoolValue(true)")
    func extProcAppend() {
        let option = HeaderValueOption.append(key: "k", rawValue: b("v"))
        #expect(Hex.encode(option.serializedBytes()) == "0a060a016b1a0176" + "12020801")
    }

    @Test("ext_authz overwrite: value field, append_action 2")
    func authzOverwrite() {
        let option = HeaderValueOption.authzOverwrite(key: "x-user", value: "alice")
        #expect(option.header?.rawValue == [])
        #expect(Hex.encode(option.serializedBytes()) == "0a0f0a06782d75736572120561 6c696365".replacingOccurrences(of: " ", with: "") + "1802")
        #expect(HeaderValueOption.authzAdd(key: "a", value: "b").serializedBytes() == wire("0a 06 0a 01 61 12 01 62"))
    }

    @Test("append=false is present (12 00), append=nil is absent")
    func appendPresence() throws {
        let present = HeaderValueOption(header: nil, append: false)
        #expect(present.serializedBytes() == wire("12 00"))
        #expect(HeaderValueOption(header: nil, append: nil).serializedBytes() == [])
        #expect(try HeaderValueOption(serializedBytes: wire("12 00")).append == false)
    }

    @Test("header lookup reads raw_value, falls back to value, ignores ASCII case")
    func lookup() {
        let headers = HttpHeaders(headers: HeaderMap(headers: [
            hv(":path", "/mcp"), hv("X-Dup", "1"), hv("x-dup", "2"),
            HeaderValue(key: "legacy", value: "text"), HeaderValue(key: "bin", rawValue: [0xFF]),
        ]))
        #expect(headers.first(":path") == b("/mcp"))
        #expect(headers.firstString("x-dup") == "1")
        #expect(headers.firstString("X-DUP") == "1")
        #expect(headers.headers?.values("x-dup") == [b("1"), b("2")])
        #expect(headers.firstString("legacy") == "text")
        #expect(headers.first("legacy") == b("text"))
        #expect(headers.first("bin") == [0xFF])
        #expect(headers.firstString("bin") == nil)
        #expect(headers.first("missing") == nil)
        #expect(headers.first(":pat") == nil)
        #expect(HttpHeaders().first(":path") == nil)
        // Only letters fold: '-' (0x2d) and '\r' (0x0d) differ by 0x20 but must not match.
        #expect(HeaderMap(headers: [hv("a-b", "x")]).first("a\rb") == nil)
    }

    @Test("canned replies encode to the protocol-facts bytes")
    func cannedReplies() {
        #expect(ProcessingResponse.continueRequestHeaders.serializedBytes() == wire("0a 00"))
        #expect(ProcessingResponse.continueResponseHeaders.serializedBytes() == wire("12 00"))
        #expect(ProcessingResponse.continueRequestBody.serializedBytes() == wire("1a 00"))
        #expect(ProcessingResponse.continueResponseBody.serializedBytes() == wire("22 00"))
        #expect(ProcessingResponse.continueRequestTrailers.serializedBytes() == wire("2a 00"))
        #expect(ProcessingResponse.continueResponseTrailers.serializedBytes() == wire("32 00"))
        let reroute = ProcessingResponse(response: .requestHeaders(HeadersResponse(response: .mutating(
            set: [HeaderValueOption(header: hv("x-mcp-server", "beta"), append: false)], clearRouteCache: true))))
        #expect(reroute == GoldenExpectations.reroute)
        #expect(CommonResponse.mutating().serializedBytes() == wire("12 00"))
    }

    @Test("CheckResponse allow/deny carry an explicit status")
    func checkResponses() throws {
        #expect(CheckResponse.allow().serializedBytes() == wire("0a 00 1a 00"))
        let deny = CheckResponse.deny(code: 16, DeniedHttpResponse(
            status: HttpStatus(code: 401),
            headers: [HeaderValueOption(header: HeaderValue(key: "www-authenticate", value: "Bearer"))],
            body: "unauthorized"))
        let golden = try #require(GoldenCase.named("facts_check_denied"))
        #expect(deny.serializedBytes() == golden.bytes)
    }

    @Test("ImmediateResponse(code:headers:body:) builds the facts vector")
    func immediate() throws {
        let reply = ProcessingResponse.immediate(ImmediateResponse(
            code: 403, headers: [HeaderValueOption(header: hv("content-type", "application/json"))],
            body: "denied", details: "policy"))
        let golden = try #require(GoldenCase.named("facts_response_immediate"))
        #expect(reply.serializedBytes() == golden.bytes)
    }

    @Test("oneof case accessors")
    func accessors() throws {
        let golden = try #require(GoldenCase.named("facts_request_body"))
        let request = try ProcessingRequest(serializedBytes: golden.bytes)
        #expect(request.request?.requestBody?.body == b("{\"a\":1}"))
        #expect(request.request?.requestHeaders == nil)
        let check = try CheckRequest(serializedBytes: try #require(GoldenCase.named("facts_check_request")).bytes)
        #expect(check.http?.header("authorization") == "Bearer x")
        #expect(check.http?.method == "POST")
    }

    @Test("decoding from an ArraySlice and from a generic collection")
    func inputForms() throws {
        let framed = wire("00 00 00 00 02 0a 00")   // gRPC frame around {request_headers{}}
        #expect(try ProcessingResponse(serializedBytes: framed[5...]) == .continueRequestHeaders)
        #expect(try ProcessingResponse(serializedBytes: framed.dropFirst(5).reversed().reversed()) == .continueRequestHeaders)
    }
}

@Suite("Access log entries")
struct AccessLogEntryTests {
    @Test("one metadata namespace is read without decoding the others")
    func lazyNamespaces() throws {
        let golden = try #require(GoldenCase.named("access_log_stream_message"))
        let batch = try StreamAccessLogsMessage(serializedBytes: golden.bytes)
        let entry = try #require(batch.httpEntries.first)
        let ours = try #require(entry.strings(inNamespace: "mcp.gateway"))
        #expect(Dictionary(uniqueKeysWithValues: ours) == ["server": "calculus", "tool": "calculus_add", "id": "7"])
        #expect(entry.namespace("envoy.filters.http.ext_authz")?["sub"]?.stringValue == "alice")
        #expect(entry.strings(inNamespace: "absent") == nil)
        #expect(batch.httpEntries[1].strings(inNamespace: "mcp.gateway") == nil)  // no metadata at all
    }

    @Test("a malformed namespace reads as absent, never a crash")
    func malformedNamespace() {
        var entry = HTTPAccessLogEntry(metadata: nil)
        entry.metadataBytes = [0x0a, 0x05, 0x0a, 0x01, 0x61, 0x12, 0x09]  // entry "a" whose Struct length runs past the end
        #expect(entry.strings(inNamespace: "a") == nil)
        #expect(entry.namespace("a") == nil)
    }
}

@Suite("Pre-encoded dynamic metadata")
struct EncodedMetadataTests {
    @Test("encodedNamespace decodes to the Struct it stands for, and rides in ProcessingResponse field 8")
    func encodedNamespace() throws {
        let pairs = [("server", "calculus"), ("id", "\"a\\\"b\""), ("empty", ""), ("é", "ü"),
                     ("session", String(repeating: "t", count: 300)), ("big", String(repeating: "x", count: 20_000))]
        let bytes = ProtoStruct.encodedNamespace("mcp.gateway", strings: pairs)
        let decoded = try ProtoStruct(serializedBytes: bytes)
        var inner: [String: ProtoValue] = [:]
        for (k, v) in pairs { inner[k] = .string(v) }
        #expect(decoded == ProtoStruct(fields: ["mcp.gateway": .struct(ProtoStruct(fields: inner))]))
        let reply = ProcessingResponse(response: .requestBody(BodyResponse()), encodedMetadata: bytes)
        let back = try ProcessingResponse(serializedBytes: reply.serializedBytes())
        #expect(back.dynamicMetadata == decoded)
    }
}
