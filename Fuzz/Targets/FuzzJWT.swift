// Fuzz target `jwt`: bearer-token verification (`JWTVerifier.verify`) against a fixed key set
// (RSA, P-256, Ed25519: Fuzz/Targets/FuzzJWTKeys.swift, made with the seed tokens by
// Fuzz/make_corpus.py) at a fixed time, and `JWTVerifier.keyID(of:)`. The input is the token.
// Properties: nothing traps; a token that verifies has the configured issuer, an accepted
// audience, a subject and an unexpired `exp`; a refusal's text (which the 401's WWW-Authenticate
// quotes) is visible ASCII, and `HeaderText` makes any input visible ASCII with no `"` or `\`
// inside a quoted-string.
import HTTPHeaderText
import MCPGateway
import TokenAuth

private let keys: JWKSet = {
    do { return try JWKSet(json: Array(fuzzJWKS.utf8)) } catch { fatalError("fixed JWKS does not load: \(error)") }
}()
private let verifier = JWTVerifier(issuer: fuzzJWTIssuer, audiences: [fuzzJWTAudience], leewaySeconds: 30)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJWT(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let token = String(decoding: fuzzInput(data, size), as: UTF8.self)
    _ = JWTVerifier.keyID(of: token)
    do {
        let claims = try verifier.verify(token, keys: keys, now: fuzzJWTNow)
        fuzzCheck(claims.issuer == fuzzJWTIssuer, "verified a token of another issuer")
        fuzzCheck(claims.audiences.contains(fuzzJWTAudience), "verified a token for another audience")
        fuzzCheck(!claims.subject.isEmpty, "verified a token without a subject")
        fuzzCheck((claims.expiresAt ?? 0) + 30 >= fuzzJWTNow, "verified an expired token")
    } catch {
        fuzzCheck(error.description.utf8.allSatisfy(HeaderText.isAllowed), "refusal text carries a byte a header must not")
    }
    fuzzCheck(HeaderText.value(token).utf8.allSatisfy(HeaderText.isAllowed), "HeaderText.value let a byte through")
    let quoted = HeaderText.quoted(token).utf8.dropFirst().dropLast()
    fuzzCheck(quoted.allSatisfy { HeaderText.isAllowed($0) && $0 != 0x22 && $0 != 0x5C }, "HeaderText.quoted can be closed early")
    return 0
}
