import Synchronization

/// Rate limits per caller, as token buckets: on tool calls, and on `initialize` when a rule lists it.
///
/// A rule allows `calls` per `perSeconds` for each key (the caller, or the caller per server or
/// per tool) among the requests of its `methods` (default `tools/call`) and the tools its globs
/// select. `initialize` is answered by the gateway itself and mints a session, so it is limited
/// too: it is counted per caller (the key's server/tool parts and the globs concern tool calls),
/// callers without an identity sharing the one key `anonymous`. Memory is bounded: each shard keeps at most
/// `maxKeysPerShard` buckets and first forgets the ones that have refilled (indistinguishable
/// from new), so an endless stream of new identities cannot grow it.
public final class RateLimiter: Sendable {
    public struct Rule: Sendable, Equatable {
        public enum Key: String, Sendable { case identity, identityServer = "identity_server", identityTool = "identity_tool" }
        public var calls: Int
        public var perSeconds: Double
        public var key: Key
        public var servers: [String]
        public var tools: [String]
        /// The JSON-RPC methods counted: `tools/call` and/or `initialize`.
        public var methods: [String]

        public static let limitableMethods = ["tools/call", "initialize"]

        public init(calls: Int, perSeconds: Double, key: Key = .identity, servers: [String] = ["*"], tools: [String] = ["*"],
                    methods: [String] = ["tools/call"]) {
            self.calls = calls
            self.perSeconds = perSeconds
            self.key = key
            self.servers = servers
            self.tools = tools
            self.methods = methods
        }

        func applies(method: String, server: String, tool: String) -> Bool {
            guard methods.contains(method) else { return false }
            guard method == "tools/call" else { return true }
            return servers.contains { Glob.matches($0, server) } && tools.contains { Glob.matches($0, tool) }
        }
    }

    public enum Verdict: Sendable, Equatable {
        case allowed
        case limited(retryAfterSeconds: Int, limit: Int, perSeconds: Double)
    }

    struct Bucket {
        var tokens: Double
        var updated: Double
    }

    final class Shard: Sendable {
        let buckets = Mutex<[String: Bucket]>([:])
    }

    public let rules: [Rule]
    private let shards: [Shard]
    private let maxKeysPerShard: Int
    /// Buckets shared by replicas (Redis); the local buckets count only while it is unavailable.
    public let shared: (any SharedRateStore)?

    public init(rules: [Rule], shards: Int = 16, maxKeys: Int = 100_000, shared: (any SharedRateStore)? = nil) {
        self.rules = rules
        self.shards = (0..<shards).map { _ in Shard() }
        self.maxKeysPerShard = max(16, maxKeys / shards)
        self.shared = rules.isEmpty ? nil : shared
    }

    public var isEmpty: Bool { rules.isEmpty }

    /// Whether any rule counts this method (lets callers skip the check cheaply).
    public func limits(method: String) -> Bool { rules.contains { $0.methods.contains(method) } }

    /// Counts one tool call; every applicable rule must have a token for it to pass.
    public func check(caller: String, server: String, tool: String, now: Double) -> Verdict {
        check(caller: caller, method: "tools/call", server: server, tool: tool, now: now)
    }

    /// Counts one request of `method` (`caller` "" is `anonymous`); every applicable rule must
    /// have a token for it to pass.
    public func check(caller: String, method: String, server: String = "", tool: String = "", now: Double) -> Verdict {
        let caller = caller.isEmpty ? "anonymous" : caller
        var applicable: [(rule: Rule, key: String)] = []
        for (i, rule) in rules.enumerated() where rule.applies(method: method, server: server, tool: tool) {
            let key: String = switch (rule.key, method == "tools/call") {
            case (.identity, _), (_, false): "\(i)|\(caller)"
            case (.identityServer, true): "\(i)|\(caller)|\(server)"
            case (.identityTool, true): "\(i)|\(caller)|\(tool)"
            }
            applicable.append((rule, key))
        }
        guard !applicable.isEmpty else { return .allowed }
        // One round trip for all the call's buckets; nil (store down or slow) falls back to the local buckets.
        if let shared, let waits = shared.take(applicable.map {
            // The rule's numbers are part of the shared key: replicas mid-reload never share a bucket across different rules.
            SharedBucket(key: "\($0.key)|\($0.rule.calls)/\($0.rule.perSeconds)", capacity: $0.rule.calls, perSeconds: $0.rule.perSeconds)
        }), waits.count == applicable.count {
            var worst: Verdict = .allowed
            for (wait, entry) in zip(waits, applicable) where wait > 0 {
                worst = .limited(retryAfterSeconds: max(1, Int(min(wait, 1e9).rounded(.up))), limit: entry.rule.calls, perSeconds: entry.rule.perSeconds)
            }
            return worst
        }
        var worst: Verdict = .allowed
        for (rule, key) in applicable {
            let rate = Double(rule.calls) / rule.perSeconds
            let shard = shards[Int(UInt(bitPattern: key.hashValue) % UInt(shards.count))]
            let wait: Double? = shard.buckets.withLock { table in
                var b = table[key] ?? Bucket(tokens: Double(rule.calls), updated: now)
                b.tokens = min(Double(rule.calls), b.tokens + (now - b.updated) * rate)
                b.updated = now
                if b.tokens >= 1 {
                    b.tokens -= 1
                    table[key] = b
                    if table.count > maxKeysPerShard { prune(&table, now: now) }
                    return nil
                }
                table[key] = b
                return (1 - b.tokens) / rate
            }
            if let wait {
                // Capped before the conversion: a rule like 1 call per 1e300 s (or per 1e400 s,
                // which parses as infinity) makes `wait` too large for Int, and Int(_:) traps.
                worst = .limited(retryAfterSeconds: max(1, Int(min(wait, 1e9).rounded(.up))), limit: rule.calls, perSeconds: rule.perSeconds)
            }
        }
        return worst
    }

    private func prune(_ table: inout [String: Bucket], now: Double) {
        // Buckets idle long enough to be full again carry no information.
        let maxPeriod = rules.map(\.perSeconds).max() ?? 60
        table = table.filter { now - $0.value.updated < maxPeriod }
        if table.count > maxKeysPerShard {
            let keep = table.sorted { $0.value.updated > $1.value.updated }.prefix(maxKeysPerShard / 2)
            table = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }

    /// The reply for a request over a limit: HTTP 429, `Retry-After`, and a JSON-RPC error with
    /// the request's id (decided here, in the core; adapters only translate it).
    public static func refusal(_ verdict: Verdict, what: String, id: ArraySlice<UInt8>?, era: ProtocolEra) -> LocalReply? {
        guard case .limited(let retry, let limit, let per) = verdict else { return nil }
        let perText = per == per.rounded() && per < 1e15 ? String(Int(per)) : String(per)
        let error = JSONRPCError(code: -32000, message: "Rate limit exceeded: \(limit) \(what) per \(perText) s; retry in \(retry) s",
                                 dataJSON: "{\"retryAfterSeconds\":\(retry)}", fixedHTTPStatus: 429)
        var local = JSONRPCReply.errorReply(id: id, error, era: era)
        local.headers.append(("retry-after", String(retry)))
        return local
    }

    public var trackedKeys: Int { shards.reduce(0) { $0 + $1.buckets.withLock { $0.count } } }
}

/// One token bucket kept in a store shared by replicas: `capacity` tokens, refilled at
/// `capacity / perSeconds` per second (the same bucket as the local one).
public struct SharedBucket: Sendable, Equatable {
    public var key: String
    public var capacity: Int
    public var perSeconds: Double

    public init(key: String, capacity: Int, perSeconds: Double) {
        self.key = key
        self.capacity = capacity
        self.perSeconds = perSeconds
    }
}

/// Where replicas count tool calls together (Redis, in the executable).
public protocol SharedRateStore: Sendable {
    /// Takes one token from each bucket, atomically and in one round trip; returns, per bucket,
    /// 0 when it had a token or the seconds until it will have one. nil: the store is unavailable
    /// (down, slow, or known to be down): the caller counts locally instead.
    func take(_ buckets: [SharedBucket]) -> [Double]?
}
