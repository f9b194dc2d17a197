import JSONWire
@testable import MCPGateway
import Testing

@Suite struct JSONRPCRequestKindTests {
    @Test func request() throws {
        let r = try JSONRPCRequest(parsing: utf8(#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}"#)[...])
        #expect(r.kind == .request)
        #expect(r.method == "tools/list")
        #expect(r.rawID.map(Array.init) == utf8("1"))
        #expect(r.paramsRange != nil)
    }

    @Test func notification() throws {
        let r = try JSONRPCRequest(parsing: utf8(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)[...])
        #expect(r.kind == .notification)
        #expect(r.method == "notifications/initialized")
        #expect(r.idRange == nil)
        #expect(r.rawID == nil)
        #expect(r.paramsRange == nil)
        #expect(r.param("x") == nil)
    }

    @Test(arguments: [#"{"jsonrpc":"2.0","id":"s1","result":{}}"#, #"{"jsonrpc":"2.0","id":4,"error":{"code":-1,"message":"no"}}"#])
    func response(_ json: String) throws {
        let r = try JSONRPCRequest(parsing: utf8(json)[...])
        #expect(r.kind == .response)
        #expect(r.method == "")
    }

    @Test func resultWithoutIdIsNotAResponse() {
        let error = rpcError(parsing: #"{"jsonrpc":"2.0","result":{}}"#)
        #expect(error?.code == -32600)
        #expect(error?.message.contains("method") == true)
    }
}

@Suite struct JSONRPCRequestIdTests {
    @Test(arguments: [#""abc""#, #""a\"b""#, "7", "-0", "1.50", "1e400", "12345678901234567890123", #""""#, #""\u00e9""#])
    func idKeptByteExact(_ id: String) throws {
        let body = utf8(#"{"jsonrpc":"2.0","id":"# + id + #","method":"ping"}"#)
        let r = try JSONRPCRequest(parsing: body[...])
        #expect(r.rawID.map(Array.init) == utf8(id))
        // And echoed byte-exact in replies.
        let reply = JSONRPCReply.result(id: r.rawID) { w in w.beginObject(); w.endObject() }
        #expect(text(reply) == #"{"jsonrpc":"2.0","id":"# + id + #","result":{}}"#)
    }

    @Test func idKeptFromASliceWithAnOffset() throws {
        let buffer = utf8(#"GARBAGE{"jsonrpc":"2.0","id":"x1","method":"ping"}TRAILER"#)
        let r = try JSONRPCRequest(parsing: buffer[7..<(buffer.count - 7)])
        #expect(r.rawID.map(Array.init) == utf8(#""x1""#))
        #expect(Array(r.body) == Array(buffer[7..<(buffer.count - 7)]))
    }

    @Test func nullIdRefused() {
        let error = rpcError(parsing: #"{"jsonrpc":"2.0","id":null,"method":"ping"}"#)
        #expect(error?.code == -32600)
        #expect(error?.message.contains("null") == true)
        #expect(error?.httpStatus(era: .handshake) == 400)
    }

    @Test(arguments: [#"{"a":1}"#, "[1]", "true"])
    func structuredIdRefused(_ id: String) {
        let error = rpcError(parsing: #"{"jsonrpc":"2.0","id":"# + id + #","method":"ping"}"#)
        #expect(error?.code == -32600)
    }
}

@Suite struct JSONRPCRequestRefusalTests {
    @Test(arguments: [
        #"{"id":1,"method":"ping"}"#, #"{"jsonrpc":"1.0","id":1,"method":"ping"}"#, #"{"jsonrpc":2.0,"id":1,"method":"ping"}"#,
    ])
    func missingOrWrongJSONRPC(_ json: String) {
        let error = rpcError(parsing: json)
        #expect(error?.code == -32600)
        #expect(error?.message.contains("jsonrpc") == true)
    }

    @Test func batchRefusedWithAMessageAboutBatches() {
        let error = rpcError(parsing: #"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]"#)
        #expect(error?.code == -32600)
        #expect(error?.message.contains("batch") == true)
        #expect(error?.fixedHTTPStatus == 400)
    }

    @Test(arguments: ["\"text\"", "42", "null"])
    func nonObjectBodyRefused(_ json: String) {
        let error = rpcError(parsing: json)
        #expect(error?.code == -32600)
    }

    @Test(arguments: ["\"x\"", "1", "true", "null"])
    func scalarParamsRefused(_ params: String) {
        let error = rpcError(parsing: #"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":"# + params + "}")
        #expect(error?.code == -32600)
        #expect(error?.message.contains("params") == true)
    }

    @Test func arrayParamsHaveNoNamedMembers() throws {
        let r = try JSONRPCRequest(parsing: utf8(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[{"name":"x"}]}"#)[...])
        #expect(r.param("name") == nil)
        #expect(r.stringParam("name") == nil)
    }

    @Test func methodMustBeAString() {
        #expect(rpcError(parsing: #"{"jsonrpc":"2.0","id":1,"method":5}"#)?.code == -32600)
    }

    @Test(arguments: ["", "{", #"{"jsonrpc":"2.0","id":1,"method":"ping""#, #"{"jsonrpc":"2.0",}"#, "{'a':1}", "\u{FF}", #"{"a":1} {"b":2}"#])
    func malformedJSONIsParseError(_ json: String) {
        let error = rpcError(parsing: json)
        #expect(error?.code == -32700)
        #expect(error?.message.hasPrefix("Parse error") == true)
        #expect(error?.fixedHTTPStatus == 400)
    }
}

@Suite struct JSONRPCRequestLookupTests {
    @Test func escapedMethodNameEqualsPlain() throws {
        let r = try JSONRPCRequest(parsing: utf8(#"{"jsonrpc":"2.0","id":1,"method":"tools\u002fcall","params":{"n\u0061me":"x"}}"#)[...])
        #expect(r.method == "tools/call")
        #expect(r.stringParam("name") == "x")
    }

    @Test func escapedTopLevelKeysAreFound() throws {
        let r = try JSONRPCRequest(parsing: utf8(#"{"\u006asonrpc":"2\u002e0","\u0069d":3,"method":"ping"}"#)[...])
        #expect(r.kind == .request)
        #expect(r.rawID.map(Array.init) == utf8("3"))
    }

    @Test func duplicateKeysLastWins() throws {
        let r = try JSONRPCRequest(parsing: utf8(
            #"{"jsonrpc":"2.0","id":1,"method":"ping","id":"two","method":"tools/call","params":{"name":"a","name":"b"}}"#)[...])
        #expect(r.method == "tools/call")
        #expect(r.rawID.map(Array.init) == utf8(#""two""#))
        #expect(r.stringParam("name") == "b")
    }

    @Test func spliceReplacesOnlyTheRange() throws {
        let body = utf8(#"{ "jsonrpc" : "2.0", "id":9, "method":"tools/call", "params":{"name" : "p_x", "arguments":{"name":"keep"}} }"#)
        let r = try JSONRPCRequest(parsing: body[...])
        let range = try #require(r.param("name"))
        let out = r.splicing(range, with: utf8(#""x""#))
        #expect(text(out) == #"{ "jsonrpc" : "2.0", "id":9, "method":"tools/call", "params":{"name" : "x", "arguments":{"name":"keep"}} }"#)
    }

    @Test func stringParamOfNonString() throws {
        let r = try JSONRPCRequest(parsing: utf8(#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":5}}"#)[...])
        #expect(r.param("cursor") != nil)
        #expect(r.stringParam("cursor") == nil)
    }
}
