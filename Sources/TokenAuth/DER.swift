/// Just enough DER to wrap JWK key material as SubjectPublicKeyInfo for OpenSSL's d2i_PUBKEY,
/// and to turn a JWS ECDSA signature (r‖s) into the DER form OpenSSL verifies.
enum DER {
    static func length(_ n: Int) -> [UInt8] {
        if n < 0x80 { return [UInt8(n)] }
        var bytes: [UInt8] = []
        var v = n
        while v > 0 { bytes.insert(UInt8(v & 0xFF), at: 0); v >>= 8 }
        return [0x80 | UInt8(bytes.count)] + bytes
    }

    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] { [tag] + length(content.count) + content }
    static func sequence(_ parts: [UInt8]...) -> [UInt8] { tlv(0x30, parts.flatMap { $0 }) }
    static func bitString(_ content: [UInt8]) -> [UInt8] { tlv(0x03, [0] + content) }
    static let null: [UInt8] = [0x05, 0x00]

    /// A non-negative INTEGER: leading zeros trimmed, a zero byte added if the top bit is set.
    static func unsignedInteger(_ magnitude: [UInt8]) -> [UInt8] {
        var m = Array(magnitude.drop(while: { $0 == 0 }))
        if m.isEmpty { m = [0] }
        if m[0] & 0x80 != 0 { m.insert(0, at: 0) }
        return tlv(0x02, m)
    }

    // OIDs (already DER-encoded, tag and length included).
    static let rsaEncryption: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
    static let ecPublicKey: [UInt8] = [0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]
    static let prime256v1: [UInt8] = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
    static let ed25519: [UInt8] = [0x06, 0x03, 0x2B, 0x65, 0x70]

    static func rsaPublicKey(n: [UInt8], e: [UInt8]) -> [UInt8] {
        sequence(sequence(rsaEncryption, null), bitString(sequence(unsignedInteger(n), unsignedInteger(e))))
    }

    static func ecP256PublicKey(x: [UInt8], y: [UInt8]) -> [UInt8] {
        sequence(sequence(ecPublicKey, prime256v1), bitString([0x04] + x + y))
    }

    static func ed25519PublicKey(_ key: [UInt8]) -> [UInt8] {
        sequence(sequence(ed25519), bitString(key))
    }

    /// JWS ES256 signatures are r‖s (32 bytes each); OpenSSL wants ECDSA-Sig-Value in DER.
    static func ecdsaSignature(raw: [UInt8]) -> [UInt8]? {
        guard raw.count == 64 else { return nil }
        return sequence(unsignedInteger(Array(raw[0..<32])), unsignedInteger(Array(raw[32..<64])))
    }
}
