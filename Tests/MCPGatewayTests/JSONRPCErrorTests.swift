import JSONWire
@testable import MCPGateway
import Testing

@Suite struct JSONRPCErrorStatusTests {
    @Test(arguments: [-32700, -32600, -32601, -32602, -32603, -32020, -32021, -32022, -32001, -32000, 0, 1])
    func handshakeCarriesErrorsIn200(_ code: Int) {
        #expect(JSONRPCError(code: code, message: "m").httpStatus(era: .handshake) == 200)
    }

    @Test(arguments: [(-32700, 400), (-32600, 400), (-32602, 400), (-32020, 400), (-32021, 400), (-32022, 400),
                      (-32601, 404), (-32603, 200), (-32000, 200), (-32001, 200), (-32002, 200), (42, 200)])
    func modernMapsCodesToStatuses(_ code: Int, _ status: Int) {
        #expect(JSONRPCError(code: code, message: "m").httpStatus(era: .modern) == status)
    }

    @Test(arguments: [ProtocolEra.handshake, .modern])
    func fixedStatusesWinInBothEras(_ era: ProtocolEra) {
        #expect(JSONRPCError.parseError("x").httpStatus(era: era) == 400)
        #expect(JSONRPCError.invalidRequest("x").httpStatus(era: era) == 400)
        #expect(JSONRPCError.missingSession().httpStatus(era: era) == 400)
        #expect(JSONRPCError.unknownSession().httpStatus(era: era) == 404)
        #expect(JSONRPCError.tooLarge(limit: 10).httpStatus(era: era) == 413)
        #expect(JSONRPCError(code: -32601, message: "m", fixedHTTPStatus: 503).httpStatus(era: era) == 503)
    }

    @Test func constructors() throws {
        #expect(JSONRPCError.methodNotFound("x/y").dataJSON == #""x/y""#)
        #expect(JSONRPCError.methodNotFound("x/y").httpStatus(era: .modern) == 404)
        #expect(JSONRPCError.unknownTool("calc_add").message == "Unknown tool: calc_add")
        #expect(JSONRPCError.unknownTool("calc_add").code == -32602)
        #expect(JSONRPCError.tooLarge(limit: 1024).message.contains("1024"))
        let unavailable = JSONRPCError.serverUnavailable("calc\"x", "down")
        #expect(unavailable.code == -32603)
        #expect(unavailable.message.contains("calc\"x"))
        #expect(try tree(unavailable.dataJSON ?? "") == ["server": "calc\"x"])
    }
}

@Suite struct JSONRPCReplyTests {
    @Test func errorBodyShape() throws {
        let body = JSONRPCReply.error(id: utf8(#""q""#)[...], JSONRPCError(code: -32022, message: "Unsupported \"v\"",
                                                                           dataJSON: #"{"supported":["2026-07-28"]}"#))
        #expect(text(body) == #"{"jsonrpc":"2.0","id":"q","error":{"code":-32022,"message":"Unsupported \"v\"","data":{"supported":["2026-07-28"]}}}"#)
    }

    @Test func nullIdWhenUnknown() {
        #expect(text(JSONRPCReply.error(id: nil, .parseError("bad"))) == #"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error: bad"}}"#)
        #expect(text(JSONRPCReply.result(id: nil) { $0.null() }) == #"{"jsonrpc":"2.0","id":null,"result":null}"#)
    }

    @Test func errorReplyUsesEraStatus() {
        let reply = JSONRPCReply.errorReply(id: utf8("1")[...], .methodNotFound("nope"), era: .modern)
        #expect(reply.status == 404)
        #expect(reply.contentType == "application/json")
        #expect(JSONRPCReply.errorReply(id: utf8("1")[...], .methodNotFound("nope"), era: .handshake).status == 200)
    }
}

@Suite struct JSONTextTests {
    @Test(arguments: ["", "plain", "quote\"back\\slash", "line\nfeed\r\ttab", "\u{01}\u{1F}\u{08}\u{0C}", "müller ✓ 🎉", "</script>"])
    func stringRoundTrips(_ s: String) throws {
        let encoded = JSONText.string(s)
        #expect(try tree(encoded) == .string(s))
    }

    @Test func escapesControlsAsHex() {
        #expect(JSONText.string("a\u{01}b") == #""a\u0001b""#)
        #expect(JSONText.string("\"\\\n") == #""\"\\\n""#)
    }
}

@Suite struct ProtocolEraTests {
    @Test(arguments: [(String?.none, ProtocolEra.handshake), ("", .handshake), ("2024-11-05", .handshake), ("2025-03-26", .handshake),
                      ("2025-06-18", .handshake), ("2025-11-25", .handshake), ("2026-07-28", .modern), ("2099-01-01", .modern),
                      ("garbage", .modern)])
    func classification(_ header: String?, _ era: ProtocolEra) {
        #expect(ProtocolEra.of(protocolVersionHeader: header) == era)
        #expect(MCPRequestHead(method: "POST", path: "/mcp", protocolVersion: header).era == era)
    }

    @Test(arguments: [(String?.none, "2025-11-25"), ("2024-11-05", "2024-11-05"), ("2025-03-26", "2025-03-26"),
                      ("2025-06-18", "2025-06-18"), ("2025-11-25", "2025-11-25"), ("2099-01-01", "2025-11-25"),
                      ("2026-07-28", "2025-11-25"), ("", "2025-11-25")])
    func negotiation(_ offered: String?, _ answered: String) {
        #expect(ProtocolEra.negotiate(offered) == answered)
    }
}

@Suite struct MCPRequestHeadTests {
    @Test(arguments: [("/mcp", "/mcp"), ("/mcp/", "/mcp"), ("/mcp?x=1", "/mcp"), ("/mcp/?x=1/", "/mcp"), ("/", "/"),
                      ("/mcp/x", "/mcp/x"), ("", "")])
    func normalizedPath(_ path: String, _ normalized: String) {
        #expect(MCPRequestHead(method: "GET", path: path).normalizedPath == normalized)
    }
}

@Suite struct MCPHeaderValueTests {
    @Test(arguments: ["add", "calc_add", "wetter.mueller", "file:///a b/c.txt", "a=?base64", "~!@#$%^&*()"])
    func plainASCIIVerbatim(_ value: String) {
        #expect(MCPHeaderValue.encode(value) == value)
    }

    @Test(arguments: [("wetter.müller", "=?base64?d2V0dGVyLm3DvGxsZXI=?="), (" lead", "=?base64?IGxlYWQ=?="),
                      ("trail ", "=?base64?dHJhaWwg?="), ("tab\there", "=?base64?dGFiCWhlcmU=?="),
                      ("=?base64?x?=", "=?base64?PT9iYXNlNjQ/eD89?="), ("", "=?base64??="),
                      ("\u{7F}", "=?base64?fw==?="), ("ü>?", "=?base64?w7w+Pw==?=")])
    func sentinelForAnythingElse(_ value: String, _ encoded: String) {
        #expect(MCPHeaderValue.encode(value) == encoded)
    }

    @Test func standardBase64Alphabet() {
        // 0xfb 0xff is "+/8=" in standard base64 ("-_8" in base64url).
        #expect(MCPHeaderValue.standardBase64([0xFB, 0xFF]) == "+/8=")
        #expect(MCPHeaderValue.standardBase64([0xFB, 0xEF, 0xBE]) == "++++")
        #expect(MCPHeaderValue.standardBase64([0xFF, 0xFF, 0xFF]) == "////")
        #expect(MCPHeaderValue.standardBase64([]) == "")
        #expect(MCPHeaderValue.standardBase64(utf8("f")) == "Zg==")
    }
}
