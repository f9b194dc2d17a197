import COpenSSL
import JSONWire
import MCPGateway

/// A verified token's claims that the gateway uses.
public struct JWTClaims: Sendable, Equatable {
    public var subject: String
    public var issuer: String
    public var audiences: [String]
    public var expiresAt: Double?
    public var groups: [String]
    /// Kubernetes service-account token claims, when present.
    public var serviceAccount: (namespace: String, name: String)?

    public static func == (a: JWTClaims, b: JWTClaims) -> Bool {
        a.subject == b.subject && a.issuer == b.issuer && a.audiences == b.audiences && a.expiresAt == b.expiresAt
            && a.groups == b.groups && a.serviceAccount?.namespace == b.serviceAccount?.namespace
            && a.serviceAccount?.name == b.serviceAccount?.name
    }
}

/// Verifies compact JWS bearer tokens against a key set: RS256, PS256, ES256, EdDSA.
///
/// `alg: none` and every HMAC algorithm are refused outright (a public key must never be usable
/// as an HMAC secret), and the key's type, and declared `alg` if any, must match the token's.
public struct JWTVerifier: Sendable {
    public let issuer: String
    public let audiences: [String]
    public let leewaySeconds: Double
    /// Claim holding group names (e.g. `groups`); absent means none.
    public let groupsClaim: String

    public init(issuer: String, audiences: [String], leewaySeconds: Double = 30, groupsClaim: String = "groups") {
        self.issuer = issuer
        self.audiences = audiences
        self.leewaySeconds = leewaySeconds
        self.groupsClaim = groupsClaim
    }

    /// The token's `kid`, if it has one, so the caller can refresh an unknown key set first.
    public static func keyID(of token: String) -> String? {
        guard let dot = token.firstIndex(of: "."), let header = Base64URL.decode(token[..<dot]),
              let json = try? JSONValue(parsing: header) else { return nil }
        return json["kid"]?.stringValue
    }

    public func verify(_ token: String, keys: JWKSet, now: Double) throws(JWTError) -> JWTClaims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, token.utf8.count < 16_384 else { throw .malformed("not a compact JWS") }
        guard let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2]) else { throw .malformed("bad base64url") }
        guard let header = try? JSONValue(parsing: headerBytes), case .object = header else { throw .malformed("header is not a JSON object") }
        guard let alg = header["alg"]?.stringValue else { throw .malformed("no alg") }
        let keyType: JWK.KeyType
        switch alg {
        case "RS256", "PS256": keyType = .rsa
        case "ES256": keyType = .ec
        case "EdDSA": keyType = .okp
        default: throw .unsupportedAlgorithm(alg)
        }
        if let crit = header["crit"], crit != .null { throw .malformed("unsupported crit header") }
        let kid = header["kid"]?.stringValue
        let candidates = keys.key(kid: kid).filter { $0.type == keyType && ($0.alg == nil || $0.alg == alg) }
        guard !candidates.isEmpty else { throw .unknownKey(kid ?? "(none)") }
        let signingInput = Array(parts[0].utf8) + [UInt8(ascii: ".")] + Array(parts[1].utf8)
        guard candidates.contains(where: { Self.verifySignature(alg: alg, key: $0, data: signingInput, signature: signature) }) else {
            throw .badSignature
        }
        guard let payload = try? JSONValue(parsing: payloadBytes), case .object = payload else { throw .malformed("payload is not a JSON object") }
        return try checkClaims(payload, now: now)
    }

    func checkClaims(_ p: JSONValue, now: Double) throws(JWTError) -> JWTClaims {
        guard let exp = p["exp"]?.doubleValue else { throw .missingClaim("exp") }
        if now > exp + leewaySeconds { throw .expired }
        if let nbf = p["nbf"]?.doubleValue, now + leewaySeconds < nbf { throw .notYetValid }
        if let iat = p["iat"]?.doubleValue, now + leewaySeconds < iat { throw .issuedInFuture }
        guard p["iss"]?.stringValue == issuer else { throw .wrongIssuer }
        let aud: [String] = p["aud"]?.stringValue.map { [$0] } ?? p["aud"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard aud.contains(where: audiences.contains) else { throw .wrongAudience }
        guard let sub = p["sub"]?.stringValue, !sub.isEmpty else { throw .missingClaim("sub") }
        var groups = p[groupsClaim]?.arrayValue?.compactMap(\.stringValue) ?? []
        var sa: (String, String)?
        if let k8s = p["kubernetes.io"], let ns = k8s["namespace"]?.stringValue, let name = k8s["serviceaccount"]?["name"]?.stringValue {
            sa = (ns, name)
            groups += ["system:serviceaccounts", "system:serviceaccounts:\(ns)"]
        }
        return JWTClaims(subject: sub, issuer: issuer, audiences: aud, expiresAt: exp, groups: groups, serviceAccount: sa)
    }

    static func verifySignature(alg: String, key: JWK, data: [UInt8], signature: [UInt8]) -> Bool {
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        var pctx: OpaquePointer?
        let md = alg == "EdDSA" ? nil : EVP_sha256()
        guard EVP_DigestVerifyInit(ctx, &pctx, md, nil, key.pkey) == 1 else { return false }
        if alg == "PS256" {
            guard EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1,
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1 else { return false }
        }
        var sig = signature
        if alg == "ES256" {
            guard let der = ECDSASignature.der(jose: signature) else { return false }
            sig = der
        }
        return data.withUnsafeBufferPointer { d in
            sig.withUnsafeBufferPointer { s in
                EVP_DigestVerify(ctx, s.baseAddress, s.count, d.baseAddress, d.count) == 1
            }
        }
    }
}
