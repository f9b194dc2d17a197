/// `sharedState.redis`: where replicas keep what they share (rate-limit buckets, session
/// revocations). Plain data; the executable opens the connections.
public struct SharedStateConfig: Sendable, Equatable {
    public var host: String
    public var port: UInt16 = 6379
    public var username: String?
    /// From `passwordFile` / `passwordEnv` (or the URL); never logged. Excluded from `description`.
    public var password: String?
    public var database = 0
    public var keyPrefix = "mcpgw:"
    /// Bounds every Redis call (connect, command round trip).
    public var timeoutMs = 50
    /// How often each replica reads revocations made by the others.
    public var revocationPollMs = 250
    /// `rediss://`: TLS, the server verified; nil: plain TCP.
    public var tls: TLS?

    public struct TLS: Sendable, Equatable {
        /// PEM bundle the server's certificate must chain to (default: the system store).
        public var caFile: String?
        /// The name checked in the certificate (and sent as SNI) instead of the URL's host.
        public var serverName: String?
        /// Client certificate and key (PEM) for servers that require one (`tls-auth-clients`).
        public var certificateFile: String?
        public var privateKeyFile: String?
        public init() {}
    }

    public init(host: String) { self.host = host }

    /// `redis://[user:pass@]host[:port][/db]`, or `redis://:pass@host` (password only);
    /// `rediss://` for TLS.
    public static func parse(url: String) -> SharedStateConfig? {
        let secure = url.hasPrefix("rediss://")
        guard secure || url.hasPrefix("redis://") else { return nil }
        var rest = Substring(url.dropFirst(secure ? "rediss://".count : "redis://".count))
        var username: String?, password: String?
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userinfo.firstIndex(of: ":") {
                let u = String(userinfo[..<colon])
                username = u.isEmpty ? nil : percentDecoded(u)
                password = percentDecoded(String(userinfo[userinfo.index(after: colon)...]))
            } else if !userinfo.isEmpty {
                username = percentDecoded(String(userinfo))
            }
        }
        var db = 0
        if let slash = rest.firstIndex(of: "/") {
            let dbText = rest[rest.index(after: slash)...]
            if !dbText.isEmpty {
                guard let d = Int(dbText), d >= 0, d < 1 << 16 else { return nil }
                db = d
            }
            rest = rest[..<slash]
        }
        var host = String(rest), port: UInt16 = 6379
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") { guard let p = UInt16(after.dropFirst()), p > 0 else { return nil }; port = p }
            else if !after.isEmpty { return nil }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = UInt16(host[host.index(after: colon)...]), p > 0 else { return nil }
            port = p
            host = String(host[..<colon])
        }
        guard !host.isEmpty else { return nil }
        var c = SharedStateConfig(host: host)
        c.port = port
        c.username = username
        c.password = password
        c.database = db
        c.tls = secure ? TLS() : nil
        return c
    }

    private static func percentDecoded(_ s: String) -> String {
        var out: [UInt8] = []
        var bytes = Array(s.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "%"), bytes.count >= 2, let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) {
                out.append(v)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension SharedStateConfig: CustomStringConvertible {
    public var description: String {
        "\(tls == nil ? "redis" : "rediss")://\(username.map { "\($0)@" } ?? "")\(host):\(port)/\(database) (password \(password == nil ? "none" : "set"))"
    }
}
