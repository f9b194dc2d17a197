import GatewayRuntime
import JSONWire
import MCPGateway
import Testing

/// The hub behind GET /mcp and `subscriptions/listen`: who hears which change, in what form.
@Suite struct NotificationHubTests {
    func listenFilter(id: String, _ notifications: String) throws -> ListenFilter {
        let body = Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"subscriptions/listen","params":{"notifications":\#(notifications)}}"#.utf8)
        let catalog = CatalogSnapshot(generation: 1, config: GatewayConfig(servers: []), states: [:])
        return ListenFilter(try JSONRPCRequest(parsing: body[...]), catalog: catalog)
    }

    @Test func aLegacyStreamOpensWithACommentAndHearsEveryListKind() throws {
        let hub = NotificationHub()
        let sink = RecordingSink()
        hub.openLegacyStream(sink)
        #expect(sink.sent == [": mcp-gateway stream open\n\n"])
        #expect(hub.count == 1)

        hub.listsChanged(tools: true, prompts: false, resources: true)
        #expect(Array(sink.sent.dropFirst()) == [
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}\n\n",
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/resources/list_changed\"}\n\n",
        ])
    }

    @Test func aListenStreamIsAcknowledgedFirstAndHearsOnlyWhatItAskedForUnderItsID() throws {
        let hub = NotificationHub()
        let sink = RecordingSink()
        hub.openListenStream(sink, filter: try listenFilter(id: #""sub \"7\"""#, #"{"promptsListChanged":true}"#))

        hub.listsChanged(tools: true, prompts: true, resources: true)
        let events = try messages(sink.sent)
        #expect(events.count == 2)
        #expect(events.first?["method"]?.stringValue == "notifications/subscriptions/acknowledged")
        #expect(events.last?["method"]?.stringValue == "notifications/prompts/list_changed")
        #expect(events.last?["params"]?["_meta"]?["io.modelcontextprotocol/subscriptionId"]?.stringValue == #"sub "7""#)
    }

    @Test func aNumericSubscriptionIDIsEchoedAsANumber() throws {
        let hub = NotificationHub()
        let sink = RecordingSink()
        hub.openListenStream(sink, filter: try listenFilter(id: "42", #"{"toolsListChanged":true}"#))
        hub.listsChanged(tools: true, prompts: false, resources: false)
        #expect(sink.sent.last == "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\","
            + "\"params\":{\"_meta\":{\"io.modelcontextprotocol/subscriptionId\":42}}}\n\n")
    }

    @Test func keepAliveReachesEveryOpenStreamAsAComment() throws {
        let hub = NotificationHub()
        let a = RecordingSink(), b = RecordingSink()
        hub.openLegacyStream(a)
        hub.openListenStream(b, filter: try listenFilter(id: "1", "{}"))
        hub.keepAlive()
        #expect(a.sent.last == ": ping\n\n")
        #expect(b.sent.last == ": ping\n\n")
    }

    @Test func aClosedStreamLeavesTheHubAndHearsNothingMore() throws {
        let hub = NotificationHub()
        let gone = RecordingSink(), stays = RecordingSink()
        hub.openLegacyStream(gone)
        hub.openLegacyStream(stays)
        gone.close()
        #expect(hub.count == 1)
        hub.listsChanged(tools: true, prompts: false, resources: false)
        hub.keepAlive()
        #expect(gone.sent == [": mcp-gateway stream open\n\n"])
        #expect(stays.sent.count == 3)
    }

    @Test func closeAllEndsEveryStream() throws {
        let hub = NotificationHub()
        let sinks = (0..<3).map { _ in RecordingSink() }
        for s in sinks { hub.openLegacyStream(s) }
        hub.closeAll()
        #expect(sinks.allSatisfy { $0.isClosed })
        #expect(hub.count == 0)
    }

    @Test func nothingIsSentWhenNoKindChanged() throws {
        let hub = NotificationHub()
        let sink = RecordingSink()
        hub.openLegacyStream(sink)
        hub.listsChanged(tools: false, prompts: false, resources: false)
        #expect(sink.sent.count == 1)
    }
}
