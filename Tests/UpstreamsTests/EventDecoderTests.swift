import HTTPClient
import MCPGateway
import Synchronization
import Testing
@testable import Upstreams

/// A server's reply turned into SSE events for the client as the bytes arrive
/// (`ServerEventDecoder`), and the JSON-RPC messages of a bridged reply (`MessageDecoder`).
@Suite struct EventDecoderTests {
    static let signer = SessionSigner(secret: Array("upstreams-test-secret-0123456789".utf8), ttlSeconds: 3600)
    let client = signer.issue(protocolVersion: "2025-11-25", identityDigest: "d", now: 1_800_000_000)

    /// What the decoder sent, as text.
    final class Sent: Sendable {
        let events = Mutex<[String]>([])
        var all: [String] { events.withLock { $0 } }
        var send: @Sendable ([UInt8]) -> Void { { bytes in self.events.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } } }
    }

    func decoder(_ sent: Sent, maxJSONBytes: Int = 1 << 20) -> ServerEventDecoder {
        ServerEventDecoder(rewriter: ServerMessageRewriter(server: "calc", backendSession: "b-1", client: client, signer: Self.signer),
                           send: sent.send, maxJSONBytes: maxJSONBytes)
    }

    func head(_ status: Int, _ type: String) -> HTTPResponseHead { HTTPResponseHead(status: status, headers: [("content-type", type)]) }

    @Test func eventsSplitAcrossChunksAreForwardedWhole() {
        let sent = Sent()
        var d = decoder(sent)
        d.head(head(200, "text/event-stream"))
        let stream = Array("data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":1}}\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}\n\n".utf8)
        for i in stride(from: 0, to: stream.count, by: 7) {
            let fed = d.body(Array(stream[i..<min(i + 7, stream.count)]))
            #expect(fed)
        }
        #expect(d.end() == .ended)
        #expect(sent.all == [
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":1}}\n\n",
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}\n\n",
        ])
    }

    @Test func messagesAreRewrittenOnTheWay() {
        let sent = Sent()
        var d = decoder(sent)
        d.head(head(200, "text/event-stream"))
        do { let fed = d.body(Array("data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}\n\n".utf8)); #expect(fed) }
        // The server's own list_changed is dropped; its request gets a sealed id.
        #expect(sent.all.count == 1)
        #expect(sent.all.first?.contains("\"id\":\"mcpgw.") == true)
    }

    @Test func aPlainJSONReplyBecomesOneEvent() {
        let sent = Sent()
        var d = decoder(sent)
        d.head(head(400, "application/json"))
        do { let fed = d.body(Array("{\"jsonrpc\":\"2.0\",\"id\":1,".utf8)); #expect(fed) }
        do { let fed = d.body(Array("\"error\":{\"code\":-32602,\"message\":\"bad\"}}".utf8)); #expect(fed) }
        #expect(d.end() == .ended)
        #expect(sent.all == ["event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,\"message\":\"bad\"}}\n\n"])
    }

    @Test func aReplyWithoutAMessageEndsWithItsStatus() {
        let sent = Sent()
        var d = decoder(sent)
        d.head(head(404, "text/plain"))
        do { let fed = d.body(Array("Not Found".utf8)); #expect(fed) }
        #expect(d.end() == .status(404))
        #expect(sent.all.isEmpty)
    }

    @Test func aJSONReplyOverTheLimitFails() {
        let sent = Sent()
        var d = decoder(sent, maxJSONBytes: 16)
        d.head(head(200, "application/json"))
        do { let fed = d.body(Array("{\"jsonrpc\":".utf8)); #expect(fed) }
        do { let fed = d.body(Array("\"2.0\",\"id\":1}".utf8)); #expect(!fed) }
        #expect(d.end() == .failed("reply larger than 16 bytes"))
        #expect(sent.all.isEmpty)
    }

    // SSE needs one `data:` line per line of a multi-line message.
    @Test func multiLineMessagesGetOneDataLineEach() {
        let event = ServerEventDecoder.event(Array("{\r\n  \"a\": 1\n}".utf8))
        #expect(String(decoding: event, as: UTF8.self) == "event: message\ndata: {\ndata:   \"a\": 1\ndata: }\n\n")
    }

    @Test func messageDecoderReadsSSEOrJSONWhateverTheStatus() {
        let got = Mutex<[String]>([])
        let collect: @Sendable ([UInt8]) -> Void = { bytes in got.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } }

        var sse = MessageDecoder(onMessage: collect)
        sse.head(head(200, "text/event-stream"))
        do { let fed = sse.body(Array("data: {\"a\":1}\n\ndata: {\"b\":".utf8)); #expect(fed) }
        do { let fed = sse.body(Array("2}\n\n".utf8)); #expect(fed) }
        #expect(sse.end() == nil)

        var json = MessageDecoder(onMessage: collect)
        json.head(head(400, "application/json"))
        do { let fed = json.body(Array("{\"error\":{}}".utf8)); #expect(fed) }
        #expect(json.end() == nil)
        #expect(got.withLock { $0 } == ["{\"a\":1}", "{\"b\":2}", "{\"error\":{}}"])

        var html = MessageDecoder(onMessage: collect)
        html.head(head(502, "text/html"))
        do { let fed = html.body(Array("<html>".utf8)); #expect(fed) }
        #expect(html.end() == "it answered HTTP 502 without a JSON-RPC reply")
    }
}
