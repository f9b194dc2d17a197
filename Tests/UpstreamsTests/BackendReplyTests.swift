import HTTPClient
import JSONWire
import MCPGateway
import Testing
@testable import Upstreams

/// How the gateway's own MCP client reads a server's reply (JSON or an event stream) and what
/// headers its requests carry.
@Suite struct BackendReplyTests {
    func reply(_ body: String, type: String?, status: Int = 200) throws(BackendError) -> JSONValue? {
        let head = HTTPResponseHead(status: status, headers: type.map { [("content-type", $0)] } ?? [])
        return try MCPBackendClient.responseMessage(HTTPResponse(head: head, body: Array(body.utf8)), server: "calc")
    }

    @Test func aJSONReply() throws {
        let v = try reply(#"{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}"#, type: "application/json")
        #expect(v?["result"]?["tools"]?.arrayValue?.isEmpty == true)
        #expect(try reply("", type: "application/json", status: 202) == nil)
    }

    // A server may send notifications (progress, logs) on the stream before the response.
    @Test func theResponseInAnEventStreamAfterNotifications() throws {
        let stream = "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n"
            + ": keep-alive\n\n"
            + "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\n"
            + "data: \"result\":{\"ok\":true}}"  // no final blank line: the stream just ended
        let v = try reply(stream, type: "Text/Event-Stream; charset=utf-8")
        #expect(v?["result"]?["ok"]?.boolValue == true)
        let error = try reply("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,\"message\":\"nope\"}}\n\n", type: "text/event-stream")
        #expect(error?["error"]?["code"]?.doubleValue == -32601)
        #expect(try reply("data: {\"jsonrpc\":\"2.0\",\"method\":\"x\"}\n\n", type: "text/event-stream") == nil)
    }

    @Test func aBodyThatIsNotJSONIsAnErrorNamingTheServer() {
        do {
            _ = try reply("<html>Bad gateway</html>", type: "text/html", status: 502)
            Issue.record("expected an error")
        } catch {
            #expect(error.server == "calc")
            #expect(error.problem.hasPrefix(#"reply is not JSON (HTTP 502, content-type "text/html", starts "<html>Bad gateway</html>")"#))
            #expect(!error.sessionExpired)
        }
    }

    @Test func requestsCarrySessionVersionMethodAndCredential() throws {
        var server = ServerConfig(name: "calc", url: "http://calc:8000/mcp")
        let plain = MCPBackendClient(server: server, http: HTTPClient(), clientVersion: "1.0")
        #expect(plain.baseHeaders(session: nil, protocolVersion: nil).map(\.0) == ["accept", "content-type"])
        #expect(plain.baseHeaders(session: nil, protocolVersion: nil).first?.1 == "application/json, text/event-stream")
        server.credential = Credential(header: "authorization", value: "Bearer backend-secret", source: "test")
        let withCredential = MCPBackendClient(server: server, http: HTTPClient(), clientVersion: "1.0")
        let h = withCredential.baseHeaders(session: "s-1", protocolVersion: "2025-11-25", method: "tools/list")
        #expect(h.map(\.0) == ["accept", "content-type", "mcp-session-id", "mcp-protocol-version", "mcp-method", "authorization"])
        #expect(h.last?.1 == "Bearer backend-secret")
    }
}
