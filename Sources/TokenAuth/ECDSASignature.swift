import COpenSSL

/// JWS carries an ECDSA signature as r‖s, fixed-width big-endian halves (RFC 7518 §3.4);
/// OpenSSL verifies the DER `ECDSA-Sig-Value`. OpenSSL's own `ECDSA_SIG` does the encoding.
enum ECDSASignature {
    /// The DER form of a JOSE r‖s signature whose halves are `width` bytes (32 for ES256), or nil
    /// if it is not exactly `2 * width` bytes.
    static func der(jose raw: [UInt8], width: Int = 32) -> [UInt8]? {
        guard raw.count == 2 * width, let sig = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(sig) }
        let r = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32(width), nil) }
        let s = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + width, Int32(width), nil) }
        guard let r, let s else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        // On success the signature owns r and s (freed with it).
        guard ECDSA_SIG_set0(sig, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        let length = i2d_ECDSA_SIG(sig, nil)
        guard length > 0 else { return nil }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buf -> Int32 in
            var p = buf.baseAddress
            return i2d_ECDSA_SIG(sig, &p)
        }
        return written == length ? out : nil
    }
}
