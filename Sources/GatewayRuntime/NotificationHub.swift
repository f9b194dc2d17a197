import AdminHTTP
import JSONWire
import Logging
import MCPGateway
import Synchronization

/// The gateway's own event streams, which ext_proc cannot serve (it cannot stream a locally
/// generated response): handshake-era GET /mcp streams and 2026-07-28 `subscriptions/listen`.
/// Envoy routes them to the admin port; the hub pushes `list_changed` when the merged catalog
/// changes and a keep-alive comment every 15 s.
final class NotificationHub: Sendable {
    private struct Subscriber {
        let stream: AdminEventStream
        /// 2026-07-28: the listen request's id (raw JSON) and which kinds it asked for.
        let subscriptionID: String?
        let kinds: Set<String>
    }

    /// How often every stream gets a keep-alive comment (proxies close idle streams).
    static let keepAliveSeconds = 15.0

    private let subscribers = Mutex<[ObjectIdentifier: Subscriber]>([:])
    private let logger = Logger(component: "notifications")

    var count: Int { subscribers.withLock { $0.count } }

    /// Starts a handshake-era GET stream for a verified session.
    func openLegacyStream(_ stream: AdminEventStream) {
        add(stream, Subscriber(stream: stream, subscriptionID: nil, kinds: ["tools", "prompts", "resources"]))
        // A comment first, so clients and proxies see the stream is live.
        stream.send(Array(": mcp-gateway stream open\n\n".utf8))
    }

    /// Starts a `subscriptions/listen` stream: the acknowledgement (what is honoured) must be
    /// the first event; list changes come from the hub, resource updates from the servers.
    func openListenStream(_ stream: AdminEventStream, filter: ListenFilter) {
        stream.send(Self.event(String(decoding: filter.acknowledgement, as: UTF8.self)))
        add(stream, Subscriber(stream: stream, subscriptionID: filter.subscriptionID, kinds: filter.listKinds))
    }

    private func add(_ stream: AdminEventStream, _ subscriber: Subscriber) {
        let key = ObjectIdentifier(stream)
        subscribers.withLock { $0[key] = subscriber }
        stream.onClose { [weak self] in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: key) }
        }
    }

    /// Tells every subscriber that asked for these kinds.
    func listsChanged(tools: Bool, prompts: Bool, resources: Bool) {
        let all = subscribers.withLock { Array($0.values) }
        guard !all.isEmpty else { return }
        logger.info("catalog changed: notifying clients", [("streams", String(all.count)), ("tools", String(tools)),
                                                          ("prompts", String(prompts)), ("resources", String(resources))])
        for s in all {
            for (changed, kind) in [(tools, "tools"), (prompts, "prompts"), (resources, "resources")] where changed && s.kinds.contains(kind) {
                let meta = s.subscriptionID.map { ",\"params\":{\"_meta\":{\"io.modelcontextprotocol/subscriptionId\":\($0)}}" } ?? ""
                s.stream.send(Self.event("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/\(kind)/list_changed\"\(meta)}"))
            }
        }
    }

    func keepAlive() {
        for s in subscribers.withLock({ Array($0.values) }) { s.stream.send(Array(": ping\n\n".utf8)) }
    }

    func closeAll() {
        for s in subscribers.withLock({ Array($0.values) }) { s.stream.close() }
    }

    static func event(_ json: String) -> [UInt8] {
        Array("event: message\ndata: \(json)\n\n".utf8)
    }
}
