import AdminHTTP
import JSONWire
import Logging
import MCPGateway
import Synchronization

/// Where the hub writes one client's event stream: the admin port's chunked response in
/// production, a recorder in tests.
package protocol EventStreamSink: AnyObject, Sendable {
    /// Queues bytes for the client (from any thread).
    func send(_ bytes: [UInt8])
    /// Ends the stream.
    func close()
    /// Runs once the stream has ended, from either side.
    func onClose(_ handler: @escaping @Sendable () -> Void)
}

extension AdminEventStream: EventStreamSink {}

/// The gateway's own event streams, which ext_proc cannot serve (it cannot stream a locally
/// generated response): handshake-era GET /mcp streams and 2026-07-28 `subscriptions/listen`.
/// Envoy routes them to the admin port; the hub pushes `list_changed` when the merged catalog
/// changes and a keep-alive comment every 15 s.
package final class NotificationHub: Sendable {
    /// How often every stream gets a keep-alive comment (proxies close idle streams).
    static let keepAliveSeconds = 15.0

    private struct Subscriber {
        let stream: any EventStreamSink
        /// 2026-07-28: the listen request's id (raw JSON) and which kinds it asked for.
        let subscriptionID: String?
        let kinds: Set<String>
    }

    private let subscribers = Mutex<[ObjectIdentifier: Subscriber]>([:])
    private let logger = Logger(component: "notifications")

    package init() {}

    package var count: Int { subscribers.withLock { $0.count } }

    /// Starts a handshake-era GET stream for a verified session.
    package func openLegacyStream(_ stream: any EventStreamSink) {
        add(stream, Subscriber(stream: stream, subscriptionID: nil, kinds: ["tools", "prompts", "resources"]))
        // A comment first, so clients and proxies see the stream is live.
        stream.send(Array(": mcp-gateway stream open\n\n".utf8))
    }

    /// Starts a `subscriptions/listen` stream: the acknowledgement (what is honoured) must be
    /// the first event; list changes come from the hub, resource updates from the servers.
    package func openListenStream(_ stream: any EventStreamSink, filter: ListenFilter) {
        stream.send(Self.event(filter.acknowledgement))
        add(stream, Subscriber(stream: stream, subscriptionID: filter.subscriptionID, kinds: filter.listKinds))
    }

    private func add(_ stream: any EventStreamSink, _ subscriber: Subscriber) {
        let key = ObjectIdentifier(stream)
        subscribers.withLock { $0[key] = subscriber }
        stream.onClose { [weak self] in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: key) }
        }
    }

    /// Tells every subscriber that asked for these kinds.
    package func listsChanged(tools: Bool, prompts: Bool, resources: Bool) {
        let all = subscribers.withLock { Array($0.values) }
        guard !all.isEmpty else { return }
        logger.info("catalog changed: notifying clients", [("streams", String(all.count)), ("tools", String(tools)),
                                                          ("prompts", String(prompts)), ("resources", String(resources))])
        for s in all {
            for (changed, kind) in [(tools, "tools"), (prompts, "prompts"), (resources, "resources")] where changed && s.kinds.contains(kind) {
                s.stream.send(Self.event(Self.listChanged(kind, subscriptionID: s.subscriptionID)))
            }
        }
    }

    package func keepAlive() {
        for s in subscribers.withLock({ Array($0.values) }) { s.stream.send(Array(": ping\n\n".utf8)) }
    }

    package func closeAll() {
        for s in subscribers.withLock({ Array($0.values) }) { s.stream.close() }
    }

    /// `notifications/<kind>/list_changed`; on a listen stream it names the subscription (the
    /// listen request's id, spliced as it came).
    static func listChanged(_ kind: String, subscriptionID: String?) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("jsonrpc"); w.string("2.0")
        w.key("method"); w.string("notifications/\(kind)/list_changed")
        if let subscriptionID {
            w.key("params"); w.beginObject()
            w.key("_meta"); w.beginObject()
            w.key("io.modelcontextprotocol/subscriptionId"); w.raw(subscriptionID)
            w.endObject()
            w.endObject()
        }
        w.endObject()
        return w.bytes
    }

    /// One SSE `message` event carrying compact JSON (which never holds a raw line break).
    static func event(_ json: [UInt8]) -> [UInt8] {
        Array("event: message\ndata: ".utf8) + json + Array("\n\n".utf8)
    }
}
