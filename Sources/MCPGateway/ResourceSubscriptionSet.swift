/// The resources one handshake-era client session subscribed to (`resources/subscribe`) on
/// servers that speak only 2026-07-28.
///
/// Such a server has no session to hold a subscription: the gateway remembers it and, while the
/// client's GET stream is open, listens on the server (`subscriptions/listen`) for exactly these
/// URIs. A value, so the rules (idempotent subscribe, the per-session cap, the order a listen
/// names them in) are tested without a server; `BridgedSubscriptions` keeps one per session.
public struct ResourceSubscriptionSet: Sendable, Equatable {
    /// Server → its own URIs (not the federated ones), in the order subscribed.
    public private(set) var byServer: [String: [String]] = [:]
    /// URIs held, over every server.
    public private(set) var count = 0

    public enum Outcome: Sendable, Equatable {
        /// The URI is new: the server's listen must be re-opened with it.
        case added
        /// Already subscribed (a second `resources/subscribe` is no error, and changes nothing).
        case unchanged
        /// `limit` URIs are held already.
        case full
    }

    public init() {}

    public var isEmpty: Bool { count == 0 }

    /// Servers with at least one subscription, sorted (a stable order to open listens in).
    public var servers: [String] { byServer.keys.sorted() }

    /// The server's own URIs subscribed on it, in the order subscribed.
    public func uris(on server: String) -> [String] { byServer[server] ?? [] }

    public mutating func subscribe(server: String, uri: String, limit: Int) -> Outcome {
        if byServer[server]?.contains(uri) == true { return .unchanged }
        guard count < limit else { return .full }
        byServer[server, default: []].append(uri)
        count += 1
        return .added
    }

    /// True when the URI was subscribed (unsubscribing one that is not is no error either).
    @discardableResult
    public mutating func unsubscribe(server: String, uri: String) -> Bool {
        guard var uris = byServer[server], let i = uris.firstIndex(of: uri) else { return false }
        uris.remove(at: i)
        byServer[server] = uris.isEmpty ? nil : uris
        count -= 1
        return true
    }
}
