import JSONWire
import Testing
@testable import TokenAuth

/// The claim checks after a signature verified: issuer, audience, lifetime with leeway, subject,
/// groups and Kubernetes service-account claims.
@Suite struct JWTClaimsTests {
    let verifier = JWTVerifier(issuer: "https://issuer.example", audiences: ["mcp-gateway", "other"], leewaySeconds: 30,
                               groupsClaim: "roles")
    let now = 1_000_000.0

    /// The claims of a payload with `iss`, `aud`, `sub`, `exp` defaults, overridden or removed
    /// (`nil`) by `fields` (JSON texts).
    func check(_ fields: [String: String?] = [:]) throws(JWTError) -> JWTClaims {
        var all: [String: String?] = ["iss": #""https://issuer.example""#, "aud": #""mcp-gateway""#, "sub": #""alice""#, "exp": "1000100"]
        for (k, v) in fields { all[k] = v }
        let json = "{" + all.compactMap { k, v in v.map { "\"\(k)\":\($0)" } }.joined(separator: ",") + "}"
        return try verifier.checkClaims(try! JSONValue(parsing: Array(json.utf8)), now: now)
    }

    func refusal(_ fields: [String: String?]) -> JWTError? {
        do {
            _ = try check(fields)
            return nil
        } catch {
            return error
        }
    }

    @Test func aValidPayload() throws {
        let c = try check()
        #expect(c == JWTClaims(subject: "alice", issuer: "https://issuer.example", audiences: ["mcp-gateway"], expiresAt: 1_000_100,
                               groups: [], serviceAccount: nil))
    }

    @Test func issuerMustMatchExactly() {
        #expect(refusal(["iss": #""https://evil.example""#]) == .wrongIssuer)
        #expect(refusal(["iss": #""https://issuer.example/""#]) == .wrongIssuer)
        #expect(refusal(["iss": nil]) == .wrongIssuer)
        #expect(refusal(["iss": "1"]) == .wrongIssuer)
    }

    @Test func audienceAsStringOrArray() throws {
        #expect(try check(["aud": #""other""#]).audiences == ["other"])
        #expect(try check(["aud": #"["x","other"]"#]).audiences == ["x", "other"])
        #expect(refusal(["aud": #"["x","y"]"#]) == .wrongAudience)
        #expect(refusal(["aud": #""mcp""#]) == .wrongAudience)
        #expect(refusal(["aud": "[]"]) == .wrongAudience)
        #expect(refusal(["aud": nil]) == .wrongAudience)
        #expect(refusal(["aud": "[7]"]) == .wrongAudience)
    }

    @Test func expiryWithLeeway() {
        #expect(refusal(["exp": nil]) == .missingClaim("exp"))
        #expect(refusal(["exp": #""1000100""#]) == .missingClaim("exp"))
        #expect(refusal(["exp": "999970"]) == nil)   // expired 30 s ago: inside the leeway
        #expect(refusal(["exp": "999969"]) == .expired)
    }

    @Test func notBeforeAndIssuedAtWithLeeway() {
        #expect(refusal(["nbf": "1000030"]) == nil)
        #expect(refusal(["nbf": "1000031"]) == .notYetValid)
        #expect(refusal(["iat": "1000030"]) == nil)
        #expect(refusal(["iat": "1000031"]) == .issuedInFuture)
    }

    @Test func subjectIsRequired() {
        #expect(refusal(["sub": nil]) == .missingClaim("sub"))
        #expect(refusal(["sub": #""""#]) == .missingClaim("sub"))
        #expect(refusal(["sub": "42"]) == .missingClaim("sub"))
    }

    @Test func groupsComeFromTheConfiguredClaim() throws {
        #expect(try check(["roles": #"["dev","ops",3]"#, "groups": #"["ignored"]"#]).groups == ["dev", "ops"])
        #expect(try check(["roles": #""dev""#]).groups == [])
    }

    @Test func kubernetesServiceAccountClaims() throws {
        let c = try check(["sub": #""system:serviceaccount:team:bot""#,
                           "kubernetes.io": #"{"namespace":"team","serviceaccount":{"name":"bot","uid":"u"}}"#,
                           "roles": #"["dev"]"#])
        #expect(c.serviceAccount?.namespace == "team")
        #expect(c.serviceAccount?.name == "bot")
        #expect(c.groups == ["dev", "system:serviceaccounts", "system:serviceaccounts:team"])
    }

    // The same checks run after the signature through `verify`: an expired but well-signed token.
    @Test func verifyAppliesTheClaimChecks() throws {
        let key = TestKey.ec
        let set = try JWKSet(json: jwks(key.jwk(kid: "k")))
        let payload = #"{"iss":"https://issuer.example","aud":"other","sub":"bob","exp":900000}"#
        #expect(throws: JWTError.expired) { try verifier.verify(key.token(alg: "ES256", kid: "k", payload: payload), keys: set, now: now) }
        let ok = try verifier.verify(key.token(alg: "ES256", kid: "k", payload: payload), keys: set, now: 900_010)
        #expect(ok.subject == "bob")
        #expect(throws: JWTError.malformed("payload is not a JSON object")) {
            try verifier.verify(key.token(alg: "ES256", kid: "k", payload: "[]"), keys: set, now: now)
        }
    }

    // Refusal texts end up in a WWW-Authenticate header: the token's own bytes are escaped and cut.
    @Test func errorTextsAreHeaderSafe() {
        let text = JWTError.unknownKey("a\"b\r\nSet-Cookie: x" + String(repeating: "k", count: 100)).description
        #expect(!text.contains("\r") && !text.contains("\n"))
        #expect(text.count < 64 * 3 + 40)
        #expect(JWTError.unsupportedAlgorithm("none").description == "algorithm 'none' is not accepted")
    }
}
