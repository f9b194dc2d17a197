import Synchronization
import Testing
@testable import TokenAuth
import MCPGateway

/// The JWT side of the authenticator: which tokens it verifies itself, and key rotation.
@Suite struct AuthenticatorJWTTests {
    static let issuer = "https://issuer.example"
    let clock = ManualClock(1_800_000_000)
    let config = AuthConfig(kubernetes: .init(apiServer: "https://k8s", caFile: nil, tokenFile: "/t", audiences: []),
                            jwt: .init(issuer: issuer, audiences: ["mcp-gateway"]))

    /// A JWKS endpoint whose document the test swaps, counting fetches; throws when empty.
    final class Endpoint: Sendable {
        let document = Mutex<[UInt8]?>(nil)
        let fetches = Atomic<Int>(0)
        func fetch() throws -> [UInt8] {
            fetches.add(1, ordering: .relaxed)
            guard let d = document.withLock({ $0 }) else { throw JWTError.invalidKey("endpoint down") }
            return d
        }
    }

    func payload(sub: String = "alice", iss: String = issuer) -> String {
        "{\"iss\":\"\(iss)\",\"aud\":\"mcp-gateway\",\"sub\":\"\(sub)\",\"exp\":\(Int(clock.now) + 600),\"groups\":[\"dev\"]}"
    }

    func authenticator(_ endpoint: Endpoint, reviewer: FakeReviewer?) -> Authenticator {
        let source = JWKSSource(minRefreshInterval: 10, clock: clock.read, fetch: endpoint.fetch)
        return Authenticator(config: config, jwks: source, reviewer: reviewer, clock: clock.read)
    }

    @Test func tokensOfTheIssuerAreVerifiedLocallyTheRestGoToTokenReview() {
        let endpoint = Endpoint()
        endpoint.document.withLock { $0 = jwks(TestKey.ec.jwk(kid: "k")) }
        let reviewer = FakeReviewer(.authenticated(username: "kube-user", groups: [], audiences: []))
        let auth = authenticator(endpoint, reviewer: reviewer)
        let jwt = TestKey.ec.token(alg: "ES256", kid: "k", payload: payload())
        #expect(outcome(auth, jwt) == .allowed(CallerIdentity(subject: "alice", groups: ["dev"], method: "jwt"), expiresAt: clock.now + 600))
        #expect(reviewer.count == 0)
        let other = TestKey.ec.token(alg: "ES256", kid: "k", payload: payload(iss: "https://kubernetes.default.svc"))
        #expect(outcome(auth, other) == .allowed(CallerIdentity(subject: "kube-user", method: "kubernetes"), expiresAt: clock.now + 600))
        #expect(reviewer.count == 1)
        #expect(auth.reviewCount == 2)
    }

    @Test func aBadSignatureIsDeniedWithItsReason() {
        let endpoint = Endpoint()
        endpoint.document.withLock { $0 = jwks(TestKey.rsa.jwk(kid: "k")) }
        let auth = authenticator(endpoint, reviewer: nil)
        let forged = TestKey.rsa2.token(alg: "RS256", kid: "k", payload: payload())
        #expect(outcome(auth, forged) == .denied(reason: "signature", detail: "signature does not verify"))
    }

    // An issuer rotates its keys: the first token with the new kid reloads the set; a flood of
    // made-up kids afterwards does not make the gateway hammer the issuer.
    @Test func anUnknownKidReloadsTheKeySetAtMostOncePerInterval() {
        let endpoint = Endpoint()
        endpoint.document.withLock { $0 = jwks(TestKey.rsa.jwk(kid: "old")) }
        let auth = authenticator(endpoint, reviewer: nil)
        #expect(outcome(auth, TestKey.rsa.token(alg: "RS256", kid: "old", payload: payload())) != nil)
        #expect(endpoint.fetches.load(ordering: .relaxed) == 1)
        clock.advance(11)
        endpoint.document.withLock { $0 = jwks(TestKey.rsa.jwk(kid: "old"), TestKey.ec.jwk(kid: "new")) }
        let rotated = TestKey.ec.token(alg: "ES256", kid: "new", payload: payload(sub: "bob"))
        #expect(outcome(auth, rotated) == .allowed(CallerIdentity(subject: "bob", groups: ["dev"], method: "jwt"), expiresAt: clock.now + 600))
        #expect(endpoint.fetches.load(ordering: .relaxed) == 2)
        let madeUp = TestKey.ec.token(alg: "ES256", kid: "made-up", payload: payload(sub: "eve"))
        #expect(outcome(auth, madeUp) == .denied(reason: "unknown_key", detail: "token signed by an unknown key"))
        #expect(endpoint.fetches.load(ordering: .relaxed) == 2)
    }

    @Test func noKeysIsUnavailableAndNotCached() {
        let endpoint = Endpoint()
        let auth = authenticator(endpoint, reviewer: nil)
        let token = TestKey.ec.token(alg: "ES256", kid: "k", payload: payload())
        guard case .unavailable(let why)? = outcome(auth, token) else {
            Issue.record("expected unavailable")
            return
        }
        #expect(why.hasPrefix("no signing keys"))
        endpoint.document.withLock { $0 = jwks(TestKey.ec.jwk(kid: "k")) }
        if case .allowed? = outcome(auth, token) {} else { Issue.record("the key set loaded later was not used") }
        #expect(endpoint.fetches.load(ordering: .relaxed) == 2)
    }
}
