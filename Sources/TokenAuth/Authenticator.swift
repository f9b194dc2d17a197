import Dispatch
import MCPGateway
import Synchronization
import WorkPool

/// Reviews bearer tokens: JWT against the configured issuer's keys, or Kubernetes TokenReview.
///
/// Results are cached by a hash of the token (never the token itself): allows until the earlier
/// of the token's expiry and the configured TTL, refusals briefly, unavailability not at all.
/// Concurrent reviews of one token share a single upstream call.
public final class Authenticator: Sendable {
    public typealias Completion = @Sendable (AuthOutcome) -> Void

    private enum Entry {
        case done(AuthOutcome, until: Double)
        case pending([Completion])
    }

    let config: AuthConfig
    let verifier: JWTVerifier?
    let jwks: JWKSSource?
    let reviewer: TokenReviewing?
    let clock: @Sendable () -> Double
    private let cache = Mutex<[TokenDigest: Entry]>([:])
    /// Reviews (a TokenReview round trip, a JWKS fetch) block: they run here, never on a loop.
    /// Concurrent reviews of one token share one slot; past `maxPending` distinct tokens under
    /// review, a new one is answered 503 at once (see SECURITY.md).
    static let reviews = BlockingWorkPool(name: "token-review", threads: 8, maxPending: 1024)
    private let upstreamCalls = Atomic<Int>(0)
    let maxEntries: Int

    public init(config: AuthConfig, jwks: JWKSSource?, reviewer: TokenReviewing?, clock: @escaping @Sendable () -> Double,
                maxEntries: Int = 100_000) {
        self.config = config
        self.verifier = config.jwt.map {
            JWTVerifier(issuer: $0.issuer, audiences: $0.audiences, leewaySeconds: $0.leewaySeconds, groupsClaim: $0.groupsClaim)
        }
        self.jwks = jwks
        self.reviewer = reviewer
        self.clock = clock
        self.maxEntries = maxEntries
    }

    /// How many reviews actually went upstream (JWT verifications and TokenReviews), for tests and metrics.
    public var reviewCount: Int { upstreamCalls.load(ordering: .relaxed) }

    /// The cache's keys, for tests to check they are digests and that the cache stays bounded.
    var cachedKeys: [[UInt8]] { cache.withLock { $0.keys.map(\.bytes) } }

    /// Reviews `token`; the completion runs on any thread (immediately when cached).
    public func authenticate(_ token: String, completion: @escaping Completion) {
        let key = TokenDigest(token)
        let now = clock()
        enum Step { case answer(AuthOutcome), wait, review }
        let step: Step = cache.withLock { table in
            switch table[key] {
            case .done(let outcome, let until)? where until > now:
                return .answer(outcome)
            case .pending(var waiters)?:
                waiters.append(completion)
                table[key] = .pending(waiters)
                return .wait
            default:
                if table.count >= maxEntries {
                    // Full: drop expired results; if that frees little, drop half of what is cached
                    // (only a cache: a dropped token is simply reviewed again).
                    table = table.filter { if case .done(_, let u) = $0.value { u > now } else { true } }
                    if table.count >= maxEntries / 2 {
                        var kept = 0
                        table = table.filter { entry in
                            if case .pending = entry.value { return true }
                            kept += 1
                            return kept <= maxEntries / 4
                        }
                    }
                }
                table[key] = .pending([completion])
                return .review
            }
        }
        switch step {
        case .answer(let outcome): completion(outcome)
        case .wait: break
        case .review:
            let submitted = Self.reviews.submit { [self] in
                upstreamCalls.add(1, ordering: .relaxed)
                settle(key, review(token))
            }
            if !submitted { settle(key, .unavailable("too many token reviews in progress")) }
        }
    }

    /// Stores a review's outcome (for as long as it may be reused) and answers everyone waiting for it.
    private func settle(_ key: TokenDigest, _ outcome: AuthOutcome) {
        let until: Double
        switch outcome {
        case .allowed(_, let exp): until = min(clock() + config.cacheTTLSeconds, exp ?? .infinity)
        case .denied: until = clock() + config.negativeCacheTTLSeconds
        case .unavailable: until = 0
        }
        let waiters: [Completion] = cache.withLock { table in
            guard case .pending(let w)? = table[key] else { return [] }
            table[key] = until > clock() ? .done(outcome, until: until) : nil
            return w
        }
        for w in waiters { w(outcome) }
    }

    /// One review, blocking (runs on the review pool).
    func review(_ token: String) -> AuthOutcome {
        if let verifier, let jwks, usesJWT(token) {
            return verifyJWT(token, verifier: verifier, jwks: jwks)
        }
        if let reviewer {
            switch reviewer.review(token) {
            case .authenticated(let username, let groups, let audiences):
                let wanted = config.kubernetes?.audiences ?? []
                guard wanted.isEmpty || audiences.contains(where: wanted.contains) else {
                    return .denied(reason: "audience", detail: "token audiences do not include this gateway")
                }
                let sa = Self.serviceAccount(from: username)
                return .allowed(CallerIdentity(subject: username, groups: groups, serviceAccount: sa, method: "kubernetes"),
                                expiresAt: JWTClaimsPeek.expiry(of: token))
            case .rejected(let why): return .denied(reason: "rejected", detail: why)
            case .failed(let why): return .unavailable(why)
            }
        }
        if let verifier, let jwks { return verifyJWT(token, verifier: verifier, jwks: jwks) }
        return .denied(reason: "config", detail: "no authentication method configured")
    }

    /// JWT when no TokenReview is configured, or when the token names the configured issuer.
    private func usesJWT(_ token: String) -> Bool {
        guard reviewer != nil else { return true }
        return JWTClaimsPeek.issuer(of: token) == config.jwt?.issuer
    }

    private func verifyJWT(_ token: String, verifier: JWTVerifier, jwks: JWKSSource) -> AuthOutcome {
        if jwks.keys == nil { jwks.refresh(force: true) }
        guard var keys = jwks.keys else { return .unavailable("no signing keys: \(jwks.lastError ?? "not loaded")") }
        do {
            return try allowed(verifier.verify(token, keys: keys, now: clock()))
        } catch JWTError.unknownKey {
            // Maybe the issuer rotated its keys: reload (rate-limited) and try once more.
            guard jwks.refresh(), let fresh = jwks.keys else { return .denied(reason: "unknown_key", detail: "token signed by an unknown key") }
            keys = fresh
            do { return try allowed(verifier.verify(token, keys: keys, now: clock())) } catch {
                return .denied(reason: error.reason, detail: error.description)
            }
        } catch {
            return .denied(reason: error.reason, detail: error.description)
        }
    }

    private func allowed(_ claims: JWTClaims) -> AuthOutcome {
        let sa = claims.serviceAccount.map { "\($0.namespace)/\($0.name)" } ?? Self.serviceAccount(from: claims.subject)
        return .allowed(CallerIdentity(subject: claims.subject, groups: claims.groups, serviceAccount: sa, method: "jwt"),
                        expiresAt: claims.expiresAt)
    }

    /// `system:serviceaccount:<ns>:<name>` → `ns/name`.
    static func serviceAccount(from username: String) -> String? {
        let parts = username.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "system", parts[1] == "serviceaccount" else { return nil }
        return "\(parts[2])/\(parts[3])"
    }
}

/// Reads unverified claims for routing and cache lifetimes only, never for trust.
enum JWTClaimsPeek {
    static func payload(_ token: String) -> JSONValueBox? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let bytes = Base64URL.decode(parts[1]) else { return nil }
        return JSONValueBox(bytes)
    }

    static func issuer(of token: String) -> String? { payload(token)?.string("iss") }
    static func expiry(of token: String) -> Double? { payload(token)?.number("exp") }
}

import JSONWire

struct JSONValueBox {
    let value: JSONValue?
    init(_ bytes: [UInt8]) { value = try? JSONValue(parsing: bytes) }
    func string(_ k: String) -> String? { value?[k]?.stringValue }
    func number(_ k: String) -> Double? { value?[k]?.doubleValue }
}
