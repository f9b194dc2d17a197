import Synchronization

/// Tool-call rate limits per caller, as token buckets.
///
/// A rule allows `calls` per `perSeconds` for each key (the caller, or the caller per server or
/// per tool) among the tools its globs select. Memory is bounded: each shard keeps at most
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

        public init(calls: Int, perSeconds: Double, key: Key = .identity, servers: [String] = ["*"], tools: [String] = ["*"]) {
            self.calls = calls
            self.perSeconds = perSeconds
            self.key = key
            self.servers = servers
            self.tools = tools
        }

        func applies(server: String, tool: String) -> Bool {
            servers.contains { Glob.matches($0, server) } && tools.contains { Glob.matches($0, tool) }
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

    public init(rules: [Rule], shards: Int = 16, maxKeys: Int = 100_000) {
        self.rules = rules
        self.shards = (0..<shards).map { _ in Shard() }
        self.maxKeysPerShard = max(16, maxKeys / shards)
    }

    public var isEmpty: Bool { rules.isEmpty }

    /// Counts one call; every applicable rule must have a token for it to pass.
    public func check(caller: String, server: String, tool: String, now: Double) -> Verdict {
        var worst: Verdict = .allowed
        for (i, rule) in rules.enumerated() where rule.applies(server: server, tool: tool) {
            let key: String = switch rule.key {
            case .identity: "\(i)|\(caller)"
            case .identityServer: "\(i)|\(caller)|\(server)"
            case .identityTool: "\(i)|\(caller)|\(tool)"
            }
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

    public var trackedKeys: Int { shards.reduce(0) { $0 + $1.buckets.withLock { $0.count } } }
}
