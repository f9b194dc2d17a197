import JSONWire

/// One entry of the merged catalog: the public (prefixed) name clients see, where it really
/// lives, and its JSON object pre-rendered with the public name so list replies are memcpy.
public struct FederatedEntry: Sendable, Equatable {
    public let publicName: String
    public let server: String
    public let originalName: String
    public let json: [UInt8]
    /// The entry as listed to 2026-07-28 clients, when the server lists it differently there.
    public var modernJSON: [UInt8]?
    /// A pinned tool whose server now lists a different definition (`pinning`).
    public var drifted = false

    public init(publicName: String, server: String, originalName: String, json: [UInt8],
                modernJSON: [UInt8]? = nil) {
        self.publicName = publicName
        self.server = server
        self.originalName = originalName
        self.json = json
        self.modernJSON = modernJSON
    }

    /// The entry's JSON for a client of this era.
    public func json(for era: ProtocolEra) -> [UInt8] {
        era == .modern ? modernJSON ?? json : json
    }
}

/// Reversible naming between what a server calls things and what the gateway's clients see.
public enum FederatedNaming {
    /// Resources keep their URI under a scheme naming the server: `calculus+file:///a` is
    /// `file:///a` on server `calculus`. Server names are restricted to scheme characters for this.
    public static func publicURI(server: String, uri: String) -> String { "\(server)+\(uri)" }

    /// Splits a public URI into (server, original URI), or nil if it carries no server.
    public static func splitURI(_ uri: String) -> (server: String, uri: String)? {
        guard let plus = uri.firstIndex(of: "+") else { return nil }
        let server = String(uri[..<plus])
        let rest = String(uri[uri.index(after: plus)...])
        guard !server.isEmpty, !rest.isEmpty else { return nil }
        return (server, rest)
    }

    /// The `_meta` key marking entries of a stale server (`catalog.staleSeconds`).
    public static let staleMetaKey = "mcp-gateway/stale"

    /// The stale marker's value: which server, and since when (Unix seconds) it has not answered.
    static func staleMarker(server: String, since: Double) -> JSONValue {
        .object([("server", .string(server)), ("sinceUnixSeconds", .number(String(Int(since))))])
    }

    /// `value` (a JSON object) with `_meta.<key>` set to `meta` (other `_meta` members kept).
    static func withMeta(_ value: JSONValue, _ key: String, _ meta: JSONValue) -> JSONValue {
        guard case .object(var members) = value else { return value }
        var metaMembers: [(key: String, value: JSONValue)] = []
        if let i = members.lastIndex(where: { $0.key == "_meta" }) {
            if case .object(let existing) = members[i].value { metaMembers = existing.filter { $0.key != key } }
            members.remove(at: i)
        }
        metaMembers.append((key, meta))
        members.append(("_meta", .object(metaMembers)))
        return .object(members)
    }

    /// Entries ordered by the string member `key`, byte for byte (entries without it last, in
    /// their listed order): what a server lists in any order is federated in one order.
    static func sorted(_ entries: [JSONValue], by key: String) -> [JSONValue] {
        entries.enumerated().sorted { a, b in
            switch (a.element[key]?.stringValue, b.element[key]?.stringValue) {
            case let (x?, y?): return x.utf8.lexicographicallyPrecedes(y.utf8) || (x == y && a.offset < b.offset)
            case (nil, nil): return a.offset < b.offset
            case (_?, nil): return true
            case (nil, _?): return false
            }
        }.map(\.element)
    }

    /// `value` (a JSON object) with member `key` replaced by the string `newValue`.
    static func renamed(_ value: JSONValue, key: String, to newValue: String) -> [UInt8] {
        guard case .object(var members) = value else { return value.serializedBytes() }
        if let i = members.lastIndex(where: { $0.key == key }) {
            members[i].value = .string(newValue)
        }
        return JSONValue.object(members).serializedBytes()
    }
}
