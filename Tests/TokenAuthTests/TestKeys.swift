import COpenSSL
import MCPGateway

/// Key pairs made by OpenSSL for the tests, with their public half as a JWK and a signer for
/// compact JWS: what an identity provider does, so the verifier meets real signatures.
final class TestKey: @unchecked Sendable {
    enum Kind { case rsa, ec, ed25519 }

    let kind: Kind
    let pkey: OpaquePointer

    init(_ kind: Kind) {
        self.kind = kind
        let id = switch kind { case .rsa: EVP_PKEY_RSA; case .ec: EVP_PKEY_EC; case .ed25519: EVP_PKEY_ED25519 }
        let ctx = EVP_PKEY_CTX_new_id(id, nil)!
        defer { EVP_PKEY_CTX_free(ctx) }
        precondition(EVP_PKEY_keygen_init(ctx) == 1)
        switch kind {
        case .rsa: precondition(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) == 1)
        case .ec: precondition(EVP_PKEY_CTX_set_group_name(ctx, "P-256") == 1)
        case .ed25519: break
        }
        var key: OpaquePointer?
        precondition(EVP_PKEY_generate(ctx, &key) == 1)
        pkey = key!
    }

    deinit { EVP_PKEY_free(pkey) }

    // Generating RSA keys takes a while: each kind is made once per test run.
    static let rsa = TestKey(.rsa)
    static let rsa2 = TestKey(.rsa)
    static let ec = TestKey(.ec)
    static let ed25519 = TestKey(.ed25519)

    /// The public key as a JWK object (JSON text), with the given `kid` and optional `alg`.
    func jwk(kid: String?, alg: String? = nil, extra: String = "") -> String {
        var fields: [String] = []
        if let kid { fields.append("\"kid\":\"\(kid)\"") }
        if let alg { fields.append("\"alg\":\"\(alg)\"") }
        switch kind {
        case .rsa:
            fields += ["\"kty\":\"RSA\"", "\"n\":\"\(b64(bnParam("n")))\"", "\"e\":\"\(b64(bnParam("e")))\""]
        case .ec:
            let point = octetParam("pub")
            precondition(point.count == 65 && point[0] == 4, "uncompressed P-256 point expected")
            fields += ["\"kty\":\"EC\"", "\"crv\":\"P-256\"", "\"x\":\"\(b64(Array(point[1...32])))\"", "\"y\":\"\(b64(Array(point[33...])))\""]
        case .ed25519:
            var raw = [UInt8](repeating: 0, count: 32)
            var len = 32
            precondition(EVP_PKEY_get_raw_public_key(pkey, &raw, &len) == 1)
            fields += ["\"kty\":\"OKP\"", "\"crv\":\"Ed25519\"", "\"x\":\"\(b64(raw))\""]
        }
        if !extra.isEmpty { fields.append(extra) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// Signs `header.payload` (both JSON text) as `alg` and returns the compact JWS.
    func sign(alg: String, header: String, payload: String) -> String {
        let input = b64(Array(header.utf8)) + "." + b64(Array(payload.utf8))
        return input + "." + b64(signature(alg: alg, input: Array(input.utf8)))
    }

    /// A token with a standard header (`alg`, `kid`, `typ`) over `payload`.
    func token(alg: String, kid: String?, payload: String) -> String {
        let kidField = kid.map { ",\"kid\":\"\($0)\"" } ?? ""
        return sign(alg: alg, header: "{\"alg\":\"\(alg)\",\"typ\":\"JWT\"\(kidField)}", payload: payload)
    }

    func signature(alg: String, input: [UInt8]) -> [UInt8] {
        let ctx = EVP_MD_CTX_new()!
        defer { EVP_MD_CTX_free(ctx) }
        var pctx: OpaquePointer?
        precondition(EVP_DigestSignInit(ctx, &pctx, kind == .ed25519 ? nil : EVP_sha256(), nil, pkey) == 1)
        if alg == "PS256" {
            precondition(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1)
            precondition(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1)
        }
        var length = 0
        precondition(EVP_DigestSign(ctx, nil, &length, input, input.count) == 1)
        var sig = [UInt8](repeating: 0, count: length)
        precondition(EVP_DigestSign(ctx, &sig, &length, input, input.count) == 1)
        sig = Array(sig.prefix(length))
        return kind == .ec ? Self.joseECDSA(der: sig) : sig
    }

    /// DER `ECDSA-Sig-Value` → JOSE r‖s (32 bytes each), as an issuer would send it.
    static func joseECDSA(der: [UInt8]) -> [UInt8] {
        var p: UnsafePointer<UInt8>? = nil
        let sig: OpaquePointer = der.withUnsafeBufferPointer { buf in
            p = buf.baseAddress
            return d2i_ECDSA_SIG(nil, &p, buf.count)!
        }
        defer { ECDSA_SIG_free(sig) }
        var out = [UInt8](repeating: 0, count: 64)
        out.withUnsafeMutableBufferPointer { buf in
            precondition(BN_bn2binpad(ECDSA_SIG_get0_r(sig), buf.baseAddress, 32) == 32)
            precondition(BN_bn2binpad(ECDSA_SIG_get0_s(sig), buf.baseAddress! + 32, 32) == 32)
        }
        return out
    }

    private func bnParam(_ name: String) -> [UInt8] {
        var bn: OpaquePointer?
        precondition(EVP_PKEY_get_bn_param(pkey, name, &bn) == 1)
        defer { BN_free(bn) }
        var out = [UInt8](repeating: 0, count: Int((BN_num_bits(bn) + 7) / 8))
        _ = BN_bn2bin(bn, &out)
        return out
    }

    private func octetParam(_ name: String) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 133)
        var len = 0
        precondition(EVP_PKEY_get_octet_string_param(pkey, name, &out, out.count, &len) == 1)
        return Array(out.prefix(len))
    }
}

func b64(_ bytes: [UInt8]) -> String { Base64URL.encode(bytes) }

/// A key set (JWKS JSON) of the given JWK objects.
func jwks(_ keys: String...) -> [UInt8] { Array("{\"keys\":[\(keys.joined(separator: ","))]}".utf8) }
