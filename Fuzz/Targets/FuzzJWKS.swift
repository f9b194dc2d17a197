// Fuzz target `jwks`: key-set parsing (`JWKSet(json:)`: JWK fields → DER → OpenSSL keys) and
// signature verification with whatever keys a hostile or broken JWKS endpoint serves: the
// seed tokens (one per algorithm, FuzzJWTKeys.swift) are verified against the parsed set.
// Properties: nothing traps or leaks into ASan; a key set either fails with JWTError or loads.
import TokenAuth

private let verifier = JWTVerifier(issuer: fuzzJWTIssuer, audiences: [fuzzJWTAudience], leewaySeconds: 30)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJWKS(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let set = try? JWKSet(json: Array(fuzzInput(data, size))) else { return 0 }
    for key in set.keys { _ = set.key(kid: key.kid) }
    for token in fuzzJWTTokens {
        _ = try? verifier.verify(token, keys: set, now: fuzzJWTNow)
    }
    return 0
}
