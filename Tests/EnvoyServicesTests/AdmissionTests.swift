@testable import EnvoyServices
import EnvoyProto
import MCPGateway
import Testing
import TokenAuth

/// The door decides once (`AuthOutcome.admission`, `Rejection.reply`); ext_authz and ext_proc only
/// translate, so a caller gets the same status, headers and body from either placement.
struct AdmissionTests {
    static let auth = AuthConfig(resource: "https://mcp.example.com/mcp", scopes: ["mcp"],
                                 metadataURL: "https://mcp.example.com/.well-known/oauth-protected-resource")
    static let alice = CallerIdentity(subject: "alice", groups: ["devs"], method: "jwt")

    @Test func anAllowedCallerIsAdmittedUnlessThePolicyGrantsNothing() {
        let open = AccessPolicy()
        #expect(AuthOutcome.allowed(Self.alice, expiresAt: nil).admission(policy: open) == (.admitted(Self.alice), "allow", "jwt"))
        let onlyBob = AccessPolicy(rules: [AccessPolicy.Rule(subjects: ["bob"], servers: ["*"])])
        let (decision, result, reason) = AuthOutcome.allowed(Self.alice, expiresAt: nil).admission(policy: onlyBob)
        #expect(decision == .rejected(.forbidden) && result == "deny" && reason == "forbidden")
    }

    @Test func deniedAndUnavailableOutcomesBecomeTheirRejections() {
        let (d, _, reason) = AuthOutcome.denied(reason: "expired", detail: "token expired").admission(policy: AccessPolicy())
        #expect(d == .rejected(.unauthenticated(error: "invalid_token", detail: "token expired")) && reason == "expired")
        let (u, result, _) = AuthOutcome.unavailable("down").admission(policy: AccessPolicy())
        #expect(u == .rejected(.reviewerUnavailable) && result == "error")
    }

    @Test func unauthenticatedReplyCarriesTheChallengeAndAJSONRPCError() throws {
        let reply = Rejection.unauthenticated(error: "invalid_token", detail: "bad \"kid\"\r\nX-Evil: 1").reply(auth: Self.auth)
        #expect(reply.status == 401)
        let challenge = try #require(reply.headers.first { $0.0 == "www-authenticate" }?.1)
        #expect(challenge.hasPrefix("Bearer resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource\""))
        #expect(challenge.contains("error=\"invalid_token\"") && challenge.contains("scope=\"mcp\""))
        #expect(!challenge.contains("\r") && !challenge.contains("\n") && !challenge.contains("\"kid\""))
        let body = String(decoding: reply.body, as: UTF8.self)
        #expect(body.hasPrefix(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Unauthorized: bad"#))
    }

    @Test func noTokenChallengeHasNoErrorParameter() throws {
        let reply = Rejection.unauthenticated(error: nil, detail: "a bearer token is required").reply(auth: Self.auth)
        let challenge = try #require(reply.headers.first { $0.0 == "www-authenticate" }?.1)
        #expect(!challenge.contains("error="))
    }

    @Test func forbiddenAndUnavailableReplies() {
        #expect(Rejection.forbidden.reply(auth: Self.auth).status == 403)
        let down = Rejection.reviewerUnavailable.reply(auth: Self.auth)
        #expect(down.status == 503 && down.headers.contains { $0 == ("retry-after", "5") })
    }

    @Test func extAuthzTranslatesEachRejectionWithItsGRPCCode() {
        for (rejection, code): (Rejection, Int32) in [(.unauthenticated(error: nil, detail: "x"), 16), (.forbidden, 7), (.reviewerUnavailable, 14)] {
            let response = AuthorizationService.denied(rejection, auth: Self.auth)
            #expect(response.status?.code == code)
            guard case .deniedResponse(let denied)? = response.httpResponse else { Issue.record("not denied"); continue }
            #expect(denied.status?.code == Int32(rejection.status))
            #expect(denied.headers.contains { $0.header?.key == "content-type" })
        }
    }

    @Test func bearerTokensAreParsedPerRFC6750() {
        #expect(BearerToken.parse("Bearer abc") == "abc")
        #expect(BearerToken.parse("bearer   abc \t") == "abc")
        #expect(BearerToken.parse("Basic abc") == nil)
        #expect(BearerToken.parse("Bearer ") == nil)
        #expect(BearerToken.parse("Bearer") == nil)
    }
}
