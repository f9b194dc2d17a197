import JSONWire

/// A 2026-07-28 `subscriptions/listen` request as the gateway honours it: the list-changed kinds
/// (answered from the merged catalog) and the resource subscriptions, grouped by the server that
/// owns each federated URI. Servers that are up take a listen whatever era they speak (one that
/// speaks only the handshake era through a backend session's GET stream and `resources/subscribe`);
/// the acknowledgement lists exactly what is honoured, as the spec requires.
public struct ListenFilter: Sendable, Equatable {
    /// The listen request's id, raw JSON: every frame carries it as the subscription id.
    public var subscriptionID: String
    /// `tools`, `prompts`, `resources` (list_changed kinds asked for).
    public var listKinds: Set<String>
    /// Server → its own URIs to listen for, in the order asked.
    public var resources: [(server: String, uris: [String])]
    /// The federated URIs honoured (for the acknowledgement).
    public var honouredURIs: [String]

    public static func == (a: ListenFilter, b: ListenFilter) -> Bool {
        a.subscriptionID == b.subscriptionID && a.listKinds == b.listKinds && a.honouredURIs == b.honouredURIs
            && a.resources.map { "\($0.server)|\($0.uris)" } == b.resources.map { "\($0.server)|\($0.uris)" }
    }

    static let flags = [("toolsListChanged", "tools"), ("promptsListChanged", "prompts"), ("resourcesListChanged", "resources")]

    public init(_ request: JSONRPCRequest, catalog: CatalogSnapshot, grants: AccessPolicy.Grants = .everything) {
        subscriptionID = request.rawID.map { String(decoding: $0, as: UTF8.self) } ?? "null"
        listKinds = []
        resources = []
        honouredURIs = []
        guard let filter = request.param("notifications"), request.scanner.kind(at: filter) == .object else { return }
        for (flag, kind) in Self.flags {
            if let v = request.scanner.lastMember(named: flag, in: filter), request.scanner.bool(at: v) == true { listKinds.insert(kind) }
        }
        guard let list = request.scanner.lastMember(named: "resourceSubscriptions", in: filter),
              let items = request.scanner.arrayElements(of: list) else { return }
        for item in items.prefix(256) {
            guard let uri = request.scanner.string(at: item), let split = FederatedNaming.splitURI(uri),
                  Self.takesSubscriptions(catalog, split.server), grants.allowsServer(split.server),
                  !honouredURIs.contains(uri) else { continue }
            honouredURIs.append(uri)
            if let i = resources.firstIndex(where: { $0.server == split.server }) {
                resources[i].uris.append(split.uri)
            } else {
                resources.append((split.server, [split.uri]))
            }
        }
    }

    /// Up, and able to take a resource subscription: a 2026-07-28 server by its listen, a
    /// handshake-era-only one only if it supports `resources/subscribe`.
    static func takesSubscriptions(_ catalog: CatalogSnapshot, _ server: String) -> Bool {
        guard case .up(let found)? = catalog.serverStates[server] else { return false }
        return found.speaksModern || found.subscribes
    }

    /// The acknowledgement frame (first on the stream).
    public var acknowledgement: [UInt8] {
        var w = JSONWriter(reservingCapacity: 256)
        w.beginObject()
        w.key("jsonrpc"); w.string("2.0")
        w.key("method"); w.string("notifications/subscriptions/acknowledged")
        w.key("params"); w.beginObject()
        writeSubscriptionMeta(&w)
        w.key("notifications"); w.beginObject()
        for (flag, kind) in Self.flags where listKinds.contains(kind) { w.key(flag); w.bool(true) }
        if !honouredURIs.isEmpty {
            w.key("resourceSubscriptions"); w.beginArray(); for uri in honouredURIs { w.string(uri) }; w.endArray()
        }
        w.endObject()
        w.endObject()
        w.endObject()
        return w.bytes
    }

    /// A server's `resources/updated` for one of its own URIs, as this subscriber must see it.
    public func resourceUpdated(server: String, uri: String) -> [UInt8] {
        var w = JSONWriter(reservingCapacity: 192)
        w.beginObject()
        w.key("jsonrpc"); w.string("2.0")
        w.key("method"); w.string("notifications/resources/updated")
        w.key("params"); w.beginObject()
        writeSubscriptionMeta(&w)
        w.key("uri"); w.string(FederatedNaming.publicURI(server: server, uri: uri))
        w.endObject()
        w.endObject()
        return w.bytes
    }

    /// `"_meta":{"io.modelcontextprotocol/subscriptionId":<the listen request's id>}`: on every frame.
    private func writeSubscriptionMeta(_ w: inout JSONWriter) {
        w.key("_meta"); w.beginObject(); w.key("io.modelcontextprotocol/subscriptionId"); w.raw(subscriptionID); w.endObject()
    }
}
