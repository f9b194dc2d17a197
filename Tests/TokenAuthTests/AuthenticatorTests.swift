import Dispatch
import MCPGateway
import Synchronization
import Testing
@testable import TokenAuth

/// The review cache and its coalescing: what reaches the upstream reviewer, and when again.
@Suite struct AuthenticatorTests {
    let clock = ManualClock()
    static let kube = AuthConfig(kubernetes: .init(apiServer: "https://k8s", caFile: nil, tokenFile: "/t", audiences: ["gw"]),
                                 cacheTTLSeconds: 300, negativeCacheTTLSeconds: 5)

    func authenticator(_ reviewer: FakeReviewer, config: AuthConfig = kube, maxEntries: Int = 100_000) -> Authenticator {
        Authenticator(config: config, jwks: nil, reviewer: reviewer, clock: clock.read, maxEntries: maxEntries)
    }

    @Test func anAllowIsCachedUntilTheTokenExpires() {
        let reviewer = FakeReviewer()
        let auth = authenticator(reviewer)
        let token = kubeToken("a", exp: clock.now + 100)
        let bot = CallerIdentity(subject: "system:serviceaccount:team:bot", groups: ["g"], serviceAccount: "team/bot", method: "kubernetes")
        #expect(outcome(auth, token) == .allowed(bot, expiresAt: clock.now + 100))
        clock.advance(99)
        _ = outcome(auth, token)
        #expect(reviewer.count == 1)
        clock.advance(2)
        _ = outcome(auth, token)
        #expect(reviewer.count == 2)
        #expect(auth.reviewCount == 2)
    }

    @Test func anAllowIsCachedAtMostTheConfiguredTTL() {
        let reviewer = FakeReviewer()
        let auth = authenticator(reviewer)
        for token in [kubeToken("far", exp: clock.now + 10_000), kubeToken("none")] {
            let start = reviewer.count
            _ = outcome(auth, token)
            clock.advance(299)
            _ = outcome(auth, token)
            #expect(reviewer.count == start + 1)
            clock.advance(2)
            _ = outcome(auth, token)
            #expect(reviewer.count == start + 2)
        }
    }

    @Test func aRefusalIsCachedBriefly() {
        let reviewer = FakeReviewer(.rejected("token revoked"))
        let auth = authenticator(reviewer)
        let token = kubeToken("r", exp: clock.now + 1000)
        #expect(outcome(auth, token) == .denied(reason: "rejected", detail: "token revoked"))
        clock.advance(4)
        #expect(outcome(auth, token) == .denied(reason: "rejected", detail: "token revoked"))
        #expect(reviewer.count == 1)
        clock.advance(2)
        _ = outcome(auth, token)
        #expect(reviewer.count == 2)
    }

    @Test func unavailabilityIsNeverCached() {
        let reviewer = FakeReviewer(.failed("connection refused"))
        let auth = authenticator(reviewer)
        let token = kubeToken("u")
        #expect(outcome(auth, token) == .unavailable("connection refused"))
        #expect(outcome(auth, token) == .unavailable("connection refused"))
        #expect(reviewer.count == 2)
        reviewer.answer(with: .authenticated(username: "u", groups: [], audiences: ["gw"]))
        #expect(outcome(auth, token) == .allowed(CallerIdentity(subject: "u", method: "kubernetes"), expiresAt: nil))
        #expect(reviewer.count == 3)
        #expect(auth.cachedKeys.count == 1)
    }

    // Regression guard: a burst of requests with a fresh token (a new client's first tool calls)
    // must cost the API server one TokenReview, not one per request.
    @Test func concurrentReviewsOfOneTokenShareOneUpstreamCall() {
        let reviewer = FakeReviewer(holding: true)
        let auth = authenticator(reviewer)
        let token = kubeToken("burst")
        let answers = Mutex<[AuthOutcome]>([])
        let all = DispatchGroup()
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            all.enter()
            auth.authenticate(token) { result in
                answers.withLock { $0.append(result) }
                all.leave()
            }
        }
        #expect(reviewer.entered.wait(timeout: .now() + 10) == .success)
        #expect(answers.withLock { $0.isEmpty })
        reviewer.release.signal()
        let finished = all.wait(timeout: .now() + 10) == .success
        let calls = reviewer.count
        for _ in 0..<64 { reviewer.release.signal() }  // unblock extra reviews if coalescing failed
        #expect(finished)
        #expect(calls == 1)
        #expect(auth.reviewCount == 1)
        let got = answers.withLock { $0 }
        #expect(got.count == 16)
        #expect(Set(got.map { "\($0)" }).count == 1)
        if case .allowed = got.first {} else { Issue.record("expected an allow, got \(String(describing: got.first))") }
    }

    @Test func theCacheIsBoundedByMaxEntries() {
        let reviewer = FakeReviewer()
        let auth = authenticator(reviewer, maxEntries: 8)
        let tokens = (0..<30).map { kubeToken("t\($0)") }
        for t in tokens {
            _ = outcome(auth, t)
            #expect(auth.cachedKeys.count <= 8)
        }
        #expect(reviewer.count == 30)
        // At most 8 of them can still be cached: the other 22 or more are reviewed again.
        for t in tokens { _ = outcome(auth, t) }
        #expect(reviewer.count >= 30 + 22)
    }

    @Test func aFullCacheDropsExpiredResultsFirst() {
        let reviewer = FakeReviewer()
        let auth = authenticator(reviewer, maxEntries: 8)
        for i in 0..<8 { _ = outcome(auth, kubeToken("short\(i)", exp: clock.now + 10)) }
        #expect(auth.cachedKeys.count == 8)
        clock.advance(20)
        _ = outcome(auth, kubeToken("new"))
        #expect(auth.cachedKeys.count == 1)
    }

    // The cache must not become a store of live bearer tokens (a heap dump, a debugger).
    @Test func theCacheKeyIsADigestNotTheToken() {
        let reviewer = FakeReviewer()
        let auth = authenticator(reviewer)
        let token = kubeToken("secret")
        _ = outcome(auth, token)
        let keys = auth.cachedKeys
        #expect(keys == [SHA256Digest.hash(Array(token.utf8))])
        #expect(!keys.contains(Array(token.utf8)))
    }

    @Test func kubernetesAudiencesMustIncludeTheGateway() {
        let elsewhere = FakeReviewer(.authenticated(username: "x", groups: [], audiences: ["https://kubernetes.default.svc"]))
        #expect(outcome(authenticator(elsewhere), kubeToken("x")) == .denied(reason: "audience", detail: "token audiences do not include this gateway"))
        var anyAudience = Self.kube
        anyAudience.kubernetes?.audiences = []
        let open = FakeReviewer(.authenticated(username: "x", groups: [], audiences: ["https://kubernetes.default.svc"]))
        #expect(outcome(authenticator(open, config: anyAudience), kubeToken("x")) == .allowed(CallerIdentity(subject: "x", method: "kubernetes"), expiresAt: nil))
    }

    @Test func serviceAccountUsernames() {
        #expect(Authenticator.serviceAccount(from: "system:serviceaccount:ns:name") == "ns/name")
        #expect(Authenticator.serviceAccount(from: "system:serviceaccount:ns") == nil)
        #expect(Authenticator.serviceAccount(from: "system:serviceaccount:ns:name:x") == nil)
        #expect(Authenticator.serviceAccount(from: "alice") == nil)
    }
}
