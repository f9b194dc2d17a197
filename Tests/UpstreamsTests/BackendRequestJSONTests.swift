import JSONWire
import MCPGateway
import Testing
@testable import Upstreams

/// The JSON-RPC the gateway sends to MCP servers as a client, written with JSONWriter.
@Suite struct BackendRequestJSONTests {
    func gatewayInfo(_ w: inout JSONWriter) {
        w.beginObject(); w.key("name"); w.string("mcp-gateway"); w.key("version"); w.string("1.0"); w.endObject()
    }

    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func theGatewaySpeakingForItselfDeclaresNoCapabilities() {
        let params = MCPBackendClient.initializeParams(protocolVersion: "2025-11-25", clientInit: [], writeClientInfo: gatewayInfo)
        #expect(text(params) == #"{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"mcp-gateway","version":"1.0"}}"#)
    }

    @Test func aClientsOwnInitIsSplicedAsItCame() {
        let client = #"{"capabilities":{"elicitation":{"form":{}}},"clientInfo":{"name":"agent \"x\"","version":"2"}}"#
        let params = MCPBackendClient.initializeParams(protocolVersion: "2025-06-18", clientInit: Array(client.utf8), writeClientInfo: gatewayInfo)
        #expect(text(params) == #"{"protocolVersion":"2025-06-18","capabilities":{"elicitation":{"form":{}}},"clientInfo":{"name":"agent \"x\"","version":"2"}}"#)
    }

    @Test func aClientWithoutClientInfoGetsTheGatewaysAfterItsMembers() throws {
        let params = MCPBackendClient.initializeParams(protocolVersion: "v", clientInit: Array(#"{"capabilities":{"roots":{}}}"#.utf8),
                                                       writeClientInfo: gatewayInfo)
        #expect(text(params) == #"{"protocolVersion":"v","capabilities":{"roots":{}},"clientInfo":{"name":"mcp-gateway","version":"1.0"}}"#)
    }

    @Test func aRequestEnvelopeEscapesTheMethodAndSplicesParams() throws {
        let body = MCPBackendClient.requestBody(method: "tools/\"list\"", params: Array(#"{"cursor":"c"}"#.utf8))
        #expect(text(body) == #"{"jsonrpc":"2.0","id":1,"method":"tools/\"list\"","params":{"cursor":"c"}}"#)
        #expect(text(MCPBackendClient.cursorParams(nil)) == "{}")
        #expect(text(MCPBackendClient.cursorParams("a\"b")) == #"{"cursor":"a\"b"}"#)
    }

    @Test func theGatewaysOwnListenNamesItsURIsEscaped() throws {
        let body = ServerStreams.listenBody(uris: ["file:///a", "mem://\"q\""], clientInfo: #"{"name":"mcp-gateway","version":"1.0"}"#)
        let v = try JSONValue(parsing: body)
        #expect(v["method"] == "subscriptions/listen")
        #expect(v["id"] == "gateway-listen")
        #expect(v["params"]?["_meta"]?["io.modelcontextprotocol/protocolVersion"] == "2026-07-28")
        #expect(v["params"]?["_meta"]?["io.modelcontextprotocol/clientInfo"]?["name"] == "mcp-gateway")
        #expect(v["params"]?["notifications"]?["resourceSubscriptions"] == ["file:///a", "mem://\"q\""])
        #expect(text(ServerStreams.uriParams("x\"y")) == #"{"uri":"x\"y"}"#)
    }
}
