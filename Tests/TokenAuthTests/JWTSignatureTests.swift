import COpenSSL
import MCPGateway
import Testing
@testable import TokenAuth

/// Keys built from JWK parameters verify real signatures, and everything else is refused:
/// a changed byte, an unknown kid, an algorithm the key was not made for, `none`, HMAC.
@Suite struct JWTSignatureTests {
    let verifier = JWTVerifier(issuer: "https://issuer.example", audiences: ["mcp-gateway"])
    let now = 1_800_000_000.0
    let claims = #"{"iss":"https://issuer.example","aud":"mcp-gateway","sub":"alice","exp":1800000600}"#

    func keys(_ jwk: String...) throws -> JWKSet { try JWKSet(json: Array("{\"keys\":[\(jwk.joined(separator: ","))]}".utf8)) }

    func refusal(_ token: String, _ keys: JWKSet) -> JWTError? {
        do {
            _ = try verifier.verify(token, keys: keys, now: now)
            return nil
        } catch {
            return error
        }
    }

    // Tokens signed by PyJWT + cryptography, an implementation independent of ours.
    @Test(arguments: [("RS256", JWTVectors.rs256), ("PS256", JWTVectors.ps256), ("ES256", JWTVectors.es256), ("EdDSA", JWTVectors.eddsa)])
    func independentlySignedTokensVerify(alg: String, token: String) throws {
        let set = try JWKSet(json: Array(JWTVectors.jwks.utf8))
        #expect(set.keys.count == 3)
        let c = try verifier.verify(token, keys: set, now: now)
        #expect(c.subject == "alice")
        #expect(c.groups == ["dev", "ops"])
        #expect(c.expiresAt == 4_102_444_800)
    }

    @Test(arguments: [("RS256", TestKey.rsa), ("PS256", TestKey.rsa), ("ES256", TestKey.ec), ("EdDSA", TestKey.ed25519)])
    func openSSLSignedTokensVerify(alg: String, key: TestKey) throws {
        let token = key.token(alg: alg, kid: "k1", payload: claims)
        let c = try verifier.verify(token, keys: keys(key.jwk(kid: "k1")), now: now)
        #expect(c.subject == "alice")
    }

    @Test(arguments: [("RS256", TestKey.rsa), ("PS256", TestKey.rsa), ("ES256", TestKey.ec), ("EdDSA", TestKey.ed25519)])
    func aChangedSignatureOrPayloadIsRefused(alg: String, key: TestKey) throws {
        let set = try keys(key.jwk(kid: "k1"))
        let token = key.token(alg: alg, kid: "k1", payload: claims)
        let parts = token.split(separator: ".").map(String.init)
        var sig = Base64URL.decode(parts[2])!
        sig[sig.count / 2] ^= 0x01
        #expect(refusal(parts[0] + "." + parts[1] + "." + b64(sig), set) == .badSignature)
        let forged = b64(Array(#"{"iss":"https://issuer.example","aud":"mcp-gateway","sub":"admin","exp":1800000600}"#.utf8))
        #expect(refusal(parts[0] + "." + forged + "." + parts[2], set) == .badSignature)
    }

    @Test func aSignatureByAnotherKeyUnderTheSameKidIsRefused() throws {
        let token = TestKey.rsa2.token(alg: "RS256", kid: "k1", payload: claims)
        #expect(refusal(token, try keys(TestKey.rsa.jwk(kid: "k1"))) == .badSignature)
    }

    @Test func anUnknownKidIsRefused() throws {
        let token = TestKey.rsa.token(alg: "RS256", kid: "other", payload: claims)
        #expect(refusal(token, try keys(TestKey.rsa.jwk(kid: "k1"))) == .unknownKey("other"))
    }

    @Test func withoutAKidEveryKeyOfTheRightTypeIsTried() throws {
        let token = TestKey.rsa.token(alg: "RS256", kid: nil, payload: claims)
        let c = try verifier.verify(token, keys: keys(TestKey.rsa2.jwk(kid: "a"), TestKey.rsa.jwk(kid: "b")), now: now)
        #expect(c.subject == "alice")
    }

    // The algorithm must fit the key: an EC key never checks an RS256 token, a key declaring PS256
    // never checks RS256, even when the signature itself would verify.
    @Test func theAlgorithmMustFitTheKey() throws {
        let rsToken = TestKey.rsa.token(alg: "RS256", kid: "k1", payload: claims)
        #expect(refusal(rsToken, try keys(TestKey.ec.jwk(kid: "k1"))) == .unknownKey("k1"))
        #expect(refusal(rsToken, try keys(TestKey.rsa.jwk(kid: "k1", alg: "PS256"))) == .unknownKey("k1"))
        #expect(refusal(TestKey.rsa.token(alg: "PS256", kid: "k1", payload: claims), try keys(TestKey.rsa.jwk(kid: "k1", alg: "PS256"))) == nil)
        // The same RSA key, PKCS#1 v1.5 signature presented as PSS: the padding check refuses it.
        let parts = rsToken.split(separator: ".").map(String.init)
        let header = b64(Array(#"{"alg":"PS256","kid":"k1"}"#.utf8))
        let relabelled = header + "." + parts[1] + "." + b64(TestKey.rsa.signature(alg: "RS256", input: Array((header + "." + parts[1]).utf8)))
        #expect(refusal(relabelled, try keys(TestKey.rsa.jwk(kid: "k1"))) == .badSignature)
    }

    @Test(arguments: ["none", "HS256", "HS512", "RS384", "ES384", "", "nOnE"])
    func algorithmsOutsideTheListAreRefused(alg: String) throws {
        let header = b64(Array("{\"alg\":\"\(alg)\",\"kid\":\"k1\"}".utf8))
        let token = header + "." + b64(Array(claims.utf8)) + "."
        #expect(refusal(token, try keys(TestKey.rsa.jwk(kid: "k1"))) == .unsupportedAlgorithm(alg))
    }

    // The classic key confusion: an HMAC "signed" with the RSA public key's bytes as the secret.
    @Test func hs256KeyedWithThePublicKeyIsRefused() throws {
        let jwk = TestKey.rsa.jwk(kid: "k1")
        let input = b64(Array(#"{"alg":"HS256","kid":"k1"}"#.utf8)) + "." + b64(Array(claims.utf8))
        let mac = HMACSHA256.digest(key: Array(jwk.utf8), Array(input.utf8))
        #expect(refusal(input + "." + b64(mac), try keys(jwk)) == .unsupportedAlgorithm("HS256"))
    }

    // ES256 signatures are exactly 64 bytes of r‖s; the DER form or any other length is refused.
    @Test func es256SignaturesOfTheWrongShapeAreRefused() throws {
        let set = try keys(TestKey.ec.jwk(kid: "k1"))
        let token = TestKey.ec.token(alg: "ES256", kid: "k1", payload: claims)
        let parts = token.split(separator: ".").map(String.init)
        let raw = Base64URL.decode(parts[2])!
        let prefix = parts[0] + "." + parts[1] + "."
        #expect(refusal(prefix + b64(Array(raw.prefix(63))), set) == .badSignature)
        #expect(refusal(prefix + b64(raw + [0]), set) == .badSignature)
        #expect(refusal(prefix + b64([0] + raw), set) == .badSignature)
        #expect(refusal(prefix + b64(ECDSASignature.der(jose: raw)!), set) == .badSignature)
        #expect(refusal(prefix + b64([UInt8](repeating: 0, count: 64)), set) == .badSignature)
    }

    @Test func malformedTokensAreRefusedBeforeAnyKeyIsTried() throws {
        let set = try keys(TestKey.rsa.jwk(kid: "k1"))
        let good = TestKey.rsa.token(alg: "RS256", kid: "k1", payload: claims)
        #expect(refusal("a.b", set) == .malformed("not a compact JWS"))
        #expect(refusal(good + ".x", set) == .malformed("not a compact JWS"))
        #expect(refusal("!!.e30.e30", set) == .malformed("bad base64url"))
        #expect(refusal(b64(Array("[1]".utf8)) + ".e30.", set) == .malformed("header is not a JSON object"))
        #expect(refusal(b64(Array("{}".utf8)) + ".e30.", set) == .malformed("no alg"))
        let crit = TestKey.rsa.sign(alg: "RS256", header: #"{"alg":"RS256","kid":"k1","crit":["exp"]}"#, payload: claims)
        #expect(refusal(crit, set) == .malformed("unsupported crit header"))
        let parts = good.split(separator: ".").map(String.init)
        let huge = parts[0] + "." + parts[1] + String(repeating: "A", count: 16_384) + "." + parts[2]
        #expect(refusal(huge, set) == .malformed("not a compact JWS"))
    }

    @Test func keyIDIsReadFromTheHeader() {
        #expect(JWTVerifier.keyID(of: TestKey.ec.token(alg: "ES256", kid: "abc", payload: "{}")) == "abc")
        #expect(JWTVerifier.keyID(of: TestKey.ec.token(alg: "ES256", kid: nil, payload: "{}")) == nil)
        #expect(JWTVerifier.keyID(of: "garbage") == nil)
    }
}
