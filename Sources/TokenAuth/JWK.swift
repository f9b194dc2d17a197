import COpenSSL
import JSONWire
import MCPGateway

/// A public key from a JWKS, loaded into OpenSSL once when the key set is parsed.
public final class JWK: @unchecked Sendable {
    public enum KeyType: String, Sendable { case rsa = "RSA", ec = "EC", okp = "OKP" }

    public let kid: String?
    public let type: KeyType
    /// The key's declared algorithm, if any: a token must then use exactly this one.
    public let alg: String?
    let pkey: OpaquePointer

    /// Takes ownership of `pkey` (from `PublicKeyImport`); nil means OpenSSL refused the material.
    init(kid: String?, type: KeyType, alg: String?, pkey: OpaquePointer?) throws(JWTError) {
        guard let pkey else { throw .invalidKey("OpenSSL refused the \(type.rawValue) key \(kid ?? "")") }
        self.kid = kid
        self.type = type
        self.alg = alg
        self.pkey = pkey
    }

    deinit { EVP_PKEY_free(pkey) }

    /// Parses one JWK object; public keys only (`d` is ignored), signature use only.
    static func parse(_ v: JSONValue) throws(JWTError) -> JWK? {
        if let use = v["use"]?.stringValue, use != "sig" { return nil }
        let kid = v["kid"]?.stringValue
        let alg = v["alg"]?.stringValue
        func field(_ name: String) throws(JWTError) -> [UInt8] {
            guard let s = v[name]?.stringValue, let bytes = Base64URL.decode(s), !bytes.isEmpty else {
                throw .invalidKey("key \(kid ?? "?") lacks \(name)")
            }
            return bytes
        }
        switch v["kty"]?.stringValue {
        case "RSA":
            let n = try field("n")
            guard n.drop(while: { $0 == 0 }).count >= 256 else { throw .invalidKey("RSA key \(kid ?? "?") is shorter than 2048 bits") }
            return try JWK(kid: kid, type: .rsa, alg: alg, pkey: PublicKeyImport.rsa(n: n, e: try field("e")))
        case "EC":
            guard v["crv"]?.stringValue == "P-256" else { return nil }
            let x = try field("x"), y = try field("y")
            guard x.count == 32, y.count == 32 else { throw .invalidKey("P-256 key \(kid ?? "?") has wrong coordinate sizes") }
            return try JWK(kid: kid, type: .ec, alg: alg, pkey: PublicKeyImport.p256(x: x, y: y))
        case "OKP":
            guard v["crv"]?.stringValue == "Ed25519" else { return nil }
            let x = try field("x")
            guard x.count == 32 else { throw .invalidKey("Ed25519 key \(kid ?? "?") is not 32 bytes") }
            return try JWK(kid: kid, type: .okp, alg: alg, pkey: PublicKeyImport.ed25519(x))
        default:
            return nil  // oct (HMAC) and unknown types are never accepted: no shared-secret confusion.
        }
    }
}

/// A parsed JWKS document.
public struct JWKSet: Sendable {
    public let keys: [JWK]

    public init(keys: [JWK]) { self.keys = keys }

    public init(json: [UInt8]) throws(JWTError) {
        let doc: JSONValue
        do { doc = try JSONValue(parsing: json) } catch { throw .invalidKey("JWKS is not JSON: \(error)") }
        guard let list = doc["keys"]?.arrayValue else { throw .invalidKey("JWKS has no \"keys\" list") }
        var keys: [JWK] = []
        for k in list {
            if let key = try JWK.parse(k) { keys.append(key) }
        }
        self.keys = keys
    }

    public func key(kid: String?) -> [JWK] {
        guard let kid else { return keys }
        return keys.filter { $0.kid == kid }
    }
}
