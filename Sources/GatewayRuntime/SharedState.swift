import Dispatch
import HTTPClient
import Logging
import MCPGateway
import Observability
import RedisClient
import Synchronization

/// State replicas share through Redis (`sharedState.redis`): rate-limit buckets, session
/// revocations, and the backend session of each (client session, server).
///
/// Availability first: Redis is an optimisation of consistency, never a dependency of serving.
/// A failed or slow call (past `timeoutMs`) marks the store down (logged once, gauge
/// `mcp_shared_state_up` 0, `/readyz` detail); while down no request waits on Redis: rate
/// limits count in the replica's local buckets, backend sessions are opened per replica, and a
/// probe (PING, every second) brings it back up by itself. DELETE is the exception: it needs
/// Redis to be reported done (503 otherwise).
final class SharedState: SharedRateStore, RevocationJournal, SharedSessionStore, @unchecked Sendable {
    let config: SharedStateConfig
    private let client: RedisClient
    private let up = Atomic<Bool>(true)
    private let logger = Logger(component: "shared-state")
    private let fileJournal: (any RevocationJournal)?
    private let queue = DispatchQueue(label: "shared-state")
    private var timers: [DispatchSourceTimer] = []
    private var lastStreamID = "0-0"
    private let revocationsKey: String
    private let sessionOutcomes: [SharedSessionOutcome: Counter]

    init(config: SharedStateConfig, fileJournal: (any RevocationJournal)?, metrics: GatewayMetrics) throws(RedisError) {
        self.config = config
        self.fileJournal = fileJournal
        revocationsKey = config.keyPrefix + "revocations"
        let tls = config.tls.map { TLSConfiguration(caFile: $0.caFile, serverName: $0.serverName, certificateFile: $0.certificateFile,
                                                     privateKeyFile: $0.privateKeyFile) }
        client = try RedisClient(options: RedisOptions(host: config.host, port: config.port, username: config.username,
                                                       password: config.password, database: config.database, timeoutMs: config.timeoutMs, tls: tls))
        let gauge = metrics.registry.gauge("mcp_shared_state_up", help: "1 if the shared state (Redis) answers; 0 while this replica counts locally.")
        let outcomes = metrics.registry.register(CounterFamily(
            "mcp_shared_backend_sessions_total",
            help: "Local misses of the backend-session table by how they were resolved: adopted from another replica, created and recorded, "
                + "lost a creation race (ours ended, theirs used), or local (Redis unavailable).", labels: ["outcome"]))
        sessionOutcomes = Dictionary(uniqueKeysWithValues: SharedSessionOutcome.allCases.map { ($0, outcomes.handle([$0.rawValue])) })
        metrics.registry.onCollect { [weak self] in gauge.set(self?.isUp == true ? 1 : 0) }
        logger.info("shared state", [("redis", String(describing: config))])
    }

    var isUp: Bool { up.load(ordering: .relaxed) }

    private func markDown(_ why: String) {
        if up.exchange(false, ordering: .relaxed) {
            client.reset()
            logger.warning("shared state unavailable: rate limits count locally, new backend sessions are per replica, DELETE answers 503, "
                           + "until Redis answers again", [("error", why)])
        }
    }

    private func markUp() {
        if !up.exchange(true, ordering: .relaxed) { logger.info("shared state available again") }
    }

    /// Runs commands unless the store is known down; a transport failure marks it down.
    private func run(_ commands: [[String]]) -> [RESPValue]? {
        guard isUp else { return nil }
        do {
            return try client.pipeline(commands)
        } catch {
            markDown(error.description)
            return nil
        }
    }

    // MARK: rate limits

    /// The token bucket of `RateLimiter`, in Redis, for several buckets at once: per key the
    /// tokens (`t`) and the time they were counted (`u`), on Redis's own clock (TIME) so replicas'
    /// clocks never matter. Every bucket is charged, like the local limiter. Returns per bucket
    /// "0" or the seconds until a token (as strings: Lua numbers become integers in replies).
    static let takeScript = """
    local t = redis.call('TIME')
    local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
    local out = {}
    for i, key in ipairs(KEYS) do
      local cap = tonumber(ARGV[3 * i - 2])
      local rate = tonumber(ARGV[3 * i - 1])
      local ttl = tonumber(ARGV[3 * i])
      local v = redis.call('HMGET', key, 't', 'u')
      local tokens = tonumber(v[1])
      local updated = tonumber(v[2])
      if tokens == nil or updated == nil then tokens = cap; updated = now end
      tokens = math.min(cap, tokens + math.max(0, now - updated) * rate)
      local wait = 0
      if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
      redis.call('HSET', key, 't', tostring(tokens), 'u', tostring(now))
      redis.call('PEXPIRE', key, ttl)
      out[i] = tostring(wait)
    end
    return out
    """

    func take(_ buckets: [SharedBucket]) -> [Double]? {
        var command = ["EVAL", Self.takeScript, String(buckets.count)]
        command += buckets.map { config.keyPrefix + "rl:" + $0.key }
        for b in buckets {
            // A bucket idle for a full period is full again: it may go (PEXPIRE), bounding memory.
            let ttlMs = Int(min(b.perSeconds, 1e9) * 1000) + 1000
            command += [String(b.capacity), String(Double(b.capacity) / b.perSeconds), String(ttlMs)]
        }
        guard let reply = run([command])?.first else { return nil }
        guard case .array(let items?) = reply, items.count == buckets.count else {
            markDown("unexpected EVAL reply: \(reply)")
            return nil
        }
        let waits = items.compactMap { $0.string.flatMap(Double.init) }
        guard waits.count == buckets.count else { markDown("unexpected EVAL reply"); return nil }
        return waits
    }

    // MARK: backend sessions

    func count(_ outcome: SharedSessionOutcome) { sessionOutcomes[outcome]?.add() }

    func lookup(_ key: String) -> SharedSessionLookup {
        switch run([["GET", config.keyPrefix + key]])?.first {
        case .bulk(let value?)?: .found(String(decoding: value, as: UTF8.self))
        case .bulk(nil)?: .absent
        default: .unavailable
        }
    }

    /// SET NX, or over a session known dead, in one atomic step; returns the session recorded.
    static let claimScript = """
    local cur = redis.call('GET', KEYS[1])
    if cur == false or (ARGV[3] == '1' and cur == ARGV[4]) then
      redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
      return ARGV[1]
    end
    return cur
    """

    func claim(_ key: String, session: String, ttlSeconds: Int, replacing: String?) -> String? {
        let reply = run([["EVAL", Self.claimScript, "1", config.keyPrefix + key, session, String(ttlSeconds),
                          replacing == nil ? "0" : "1", replacing ?? ""]])?.first
        guard case .bulk(let value?)? = reply else { return nil }
        return String(decoding: value, as: UTF8.self)
    }

    static let forgetScript = """
    if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
    return 0
    """

    /// Compare-and-delete per record, in pipelined batches (a server restart forgets many at once).
    func forget(_ records: [(key: String, session: String)]) {
        for start in stride(from: 0, to: records.count, by: 512) {
            _ = run(records[start..<min(records.count, start + 512)].map { ["EVAL", Self.forgetScript, "1", config.keyPrefix + $0.key, $0.session] })
        }
    }

    /// GET each record and DEL them all: one round trip.
    func take(_ keys: [String]) -> [String?] {
        let prefixed = keys.map { config.keyPrefix + $0 }
        guard !keys.isEmpty, let replies = run(prefixed.map { ["GET", $0] } + [["DEL"] + prefixed]) else { return keys.map { _ in nil } }
        return replies.dropLast().map { if case .bulk(let v?) = $0 { String(decoding: v, as: UTF8.self) } else { nil } }
    }

    // MARK: revocations

    /// A DELETE: the session's key with its remaining TTL, and an entry on the stream every
    /// replica polls (one round trip), then the local file journal if configured.
    func record(nonce: [UInt8], expiry: Double) throws(RevocationError) {
        let id = Hex.encode(nonce)
        let ttl = max(1, Int((expiry - WallClock.unixSeconds()).rounded(.up)))
        let replies = run([["SET", config.keyPrefix + "revoked:" + id, "1", "EX", String(ttl)],
                           ["XADD", revocationsKey, "MAXLEN", "~", "200000", "*", "n", id, "e", String(expiry)]])
        guard let replies, !replies.contains(where: { if case .error = $0 { true } else { false } }) else {
            throw .notRecorded("shared state unavailable")
        }
        try fileJournal?.record(nonce: nonce, expiry: expiry)
    }

    /// Reads the revocations other replicas made since the last poll (all unexpired ones at start).
    private func pollRevocations(into revocations: SessionRevocations) {
        guard isUp else { return }
        for _ in 0..<100 {
            guard let reply = run([["XREAD", "COUNT", "1000", "STREAMS", revocationsKey, lastStreamID]])?.first else { return }
            guard case .array(let streams?) = reply, case .array(let pair?)? = streams.first, pair.count == 2,
                  case .array(let entries?) = pair[1] else { return }
            let now = WallClock.unixSeconds()
            for entry in entries {
                guard case .array(let parts?) = entry, parts.count == 2, let id = parts[0].string, case .array(let fields?) = parts[1] else { continue }
                lastStreamID = id
                var nonce: [UInt8]?, expiry: Double?
                var i = 0
                while i + 1 < fields.count {
                    switch fields[i].string {
                    case "n": nonce = fields[i + 1].string.flatMap(Self.unhex)
                    case "e": expiry = fields[i + 1].string.flatMap(Double.init)
                    default: break
                    }
                    i += 2
                }
                if let nonce, let expiry { revocations.absorb(nonce: nonce, expiry: expiry, now: now) }
            }
            if entries.count < 1000 { return }
        }
    }

    /// The probe (every second while down) and the revocation poll (every `revocationPollMs`).
    func start(revocations: SessionRevocations) {
        queue.sync {
            let probe = DispatchSource.makeTimerSource(queue: queue)
            probe.schedule(deadline: .now() + 1, repeating: 1)
            probe.setEventHandler { [weak self] in
                guard let self, !self.isUp else { return }
                if case .simple("PONG")? = try? self.client.call(["PING"]) { self.markUp() }
            }
            let poll = DispatchSource.makeTimerSource(queue: queue)
            let interval = DispatchTimeInterval.milliseconds(config.revocationPollMs)
            poll.schedule(deadline: .now(), repeating: interval, leeway: .milliseconds(max(1, config.revocationPollMs / 10)))
            poll.setEventHandler { [weak self] in self?.pollRevocations(into: revocations) }
            probe.resume()
            poll.resume()
            timers = [probe, poll]
        }
    }

    func stop() {
        queue.sync { for t in timers { t.cancel() }; timers = [] }
    }

    static func unhex(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0, u.count <= 128 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < u.count {
            guard let v = UInt8(String(decoding: u[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(v)
            i += 2
        }
        return out
    }
}
