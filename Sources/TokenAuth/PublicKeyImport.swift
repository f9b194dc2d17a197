import COpenSSL

/// Turns JWK key material into OpenSSL public keys with OpenSSL's own importers
/// (`EVP_PKEY_fromdata`, `EVP_PKEY_new_raw_public_key`), so no ASN.1 of ours stands between a
/// JWKS and the verifier. Each returns nil when OpenSSL refuses the material (for EC, a point
/// not on the curve); the caller owns the key it gets.
enum PublicKeyImport {
    /// An RSA public key from its modulus and exponent (big-endian, as in a JWK's `n` and `e`).
    static func rsa(n: [UInt8], e: [UInt8]) -> OpaquePointer? {
        guard let bn = BN_bin2bn(n, Int32(n.count), nil) else { return nil }
        defer { BN_free(bn) }
        guard let be = BN_bin2bn(e, Int32(e.count), nil) else { return nil }
        defer { BN_free(be) }
        return fromData(type: cmcp_key_type_RSA()) { bld in
            OSSL_PARAM_BLD_push_BN(bld, cmcp_OSSL_PKEY_PARAM_RSA_N(), bn) == 1
                && OSSL_PARAM_BLD_push_BN(bld, cmcp_OSSL_PKEY_PARAM_RSA_E(), be) == 1
        }
    }

    /// A P-256 public key from its affine coordinates (32 bytes each), as the uncompressed point.
    static func p256(x: [UInt8], y: [UInt8]) -> OpaquePointer? {
        let point = [0x04] + x + y
        return point.withUnsafeBufferPointer { buf in
            // The builder keeps pointers to its names and values until `fromData` has turned them
            // into parameters, which happens inside this closure (the names are C literals: see shim.h).
            fromData(type: cmcp_key_type_EC()) { bld in
                OSSL_PARAM_BLD_push_utf8_string(bld, cmcp_OSSL_PKEY_PARAM_GROUP_NAME(), cmcp_SN_X9_62_prime256v1(), 0) == 1
                    && OSSL_PARAM_BLD_push_octet_string(bld, cmcp_OSSL_PKEY_PARAM_PUB_KEY(), buf.baseAddress, buf.count) == 1
            }
        }
    }

    /// An Ed25519 public key from its 32 raw bytes.
    static func ed25519(_ key: [UInt8]) -> OpaquePointer? {
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, key, key.count)
    }

    /// Builds parameters with `push`, then a public key of `type` from them.
    private static func fromData(type: UnsafePointer<CChar>, _ push: (OpaquePointer) -> Bool) -> OpaquePointer? {
        guard let bld = OSSL_PARAM_BLD_new() else { return nil }
        defer { OSSL_PARAM_BLD_free(bld) }
        guard push(bld), let params = OSSL_PARAM_BLD_to_param(bld) else { return nil }
        defer { OSSL_PARAM_free(params) }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, type, nil) else { return nil }
        defer { EVP_PKEY_CTX_free(ctx) }
        var key: OpaquePointer?
        guard EVP_PKEY_fromdata_init(ctx) == 1, EVP_PKEY_fromdata(ctx, &key, cmcp_EVP_PKEY_PUBLIC_KEY(), params) == 1 else {
            return nil
        }
        return key
    }
}
