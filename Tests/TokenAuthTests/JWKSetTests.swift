import Testing
@testable import TokenAuth

/// Parsing a JWKS: which keys are taken, and that OpenSSL's importers refuse bad material.
@Suite struct JWKSetTests {
    func parse(_ keys: String...) throws(JWTError) -> JWKSet {
        try JWKSet(json: Array("{\"keys\":[\(keys.joined(separator: ","))]}".utf8))
    }

    func error(_ key: String) -> JWTError? {
        do {
            _ = try parse(key)
            return nil
        } catch {
            return error
        }
    }

    @Test func takesSigningKeysOfTheSupportedTypes() throws {
        let set = try parse(TestKey.rsa.jwk(kid: "r", alg: "RS256"), TestKey.ec.jwk(kid: "e"), TestKey.ed25519.jwk(kid: "o"),
                            TestKey.rsa2.jwk(kid: "enc", extra: #""use":"enc""#),
                            #"{"kty":"oct","kid":"h","k":"c2VjcmV0"}"#,
                            #"{"kty":"EC","crv":"P-384","kid":"p384","x":"AA","y":"AA"}"#,
                            #"{"kty":"OKP","crv":"X25519","kid":"x","x":"AA"}"#)
        #expect(set.keys.map(\.kid) == ["r", "e", "o"])
        #expect(set.keys.map(\.type) == [.rsa, .ec, .okp])
        #expect(set.keys[0].alg == "RS256")
        #expect(set.key(kid: "e").count == 1)
        #expect(set.key(kid: "nope").isEmpty)
        #expect(set.key(kid: nil).count == 3)
    }

    @Test func shortRSAKeysAreRefused() {
        // 1024-bit modulus (128 bytes).
        let n = b64([0xC3] + [UInt8](repeating: 0x5A, count: 126) + [0x01])
        #expect(error("{\"kty\":\"RSA\",\"kid\":\"s\",\"n\":\"\(n)\",\"e\":\"AQAB\"}") == .invalidKey("RSA key s is shorter than 2048 bits"))
        // Leading zero bytes do not count towards the length.
        let padded = b64([UInt8](repeating: 0, count: 200) + [0xC3] + [UInt8](repeating: 0x5A, count: 126) + [0x01])
        #expect(error("{\"kty\":\"RSA\",\"kid\":\"s\",\"n\":\"\(padded)\",\"e\":\"AQAB\"}") == .invalidKey("RSA key s is shorter than 2048 bits"))
    }

    @Test func missingOrEmptyParametersAreRefused() {
        #expect(error(#"{"kty":"RSA","kid":"a","e":"AQAB"}"#) == .invalidKey("key a lacks n"))
        #expect(error(#"{"kty":"EC","crv":"P-256","kid":"b","x":"","y":"AA"}"#) == .invalidKey("key b lacks x"))
        #expect(error(#"{"kty":"OKP","crv":"Ed25519","kid":"c","x":"!!"}"#) == .invalidKey("key c lacks x"))
    }

    @Test func ecPointsMustBe32ByteCoordinatesOnTheCurve() {
        let x = b64([UInt8](repeating: 1, count: 32)), y = b64([UInt8](repeating: 2, count: 32))
        // (1…, 2…) is not a point of P-256: OpenSSL's importer refuses it.
        #expect(error("{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"p\",\"x\":\"\(x)\",\"y\":\"\(y)\"}")
            == .invalidKey("OpenSSL refused the EC key p"))
        #expect(error("{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"p\",\"x\":\"\(b64([1]))\",\"y\":\"\(y)\"}")
            == .invalidKey("P-256 key p has wrong coordinate sizes"))
    }

    @Test func ed25519KeysAre32Bytes() {
        #expect(error("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"o\",\"x\":\"\(b64([UInt8](repeating: 7, count: 31)))\"}")
            == .invalidKey("Ed25519 key o is not 32 bytes"))
    }

    @Test func documentsThatAreNotKeySetsAreRefused() {
        #expect(throws: JWTError.self) { try JWKSet(json: Array("not json".utf8)) }
        #expect(throws: JWTError.invalidKey("JWKS has no \"keys\" list")) { try JWKSet(json: Array("{}".utf8)) }
    }

    // OpenSSL builds the DER the verifier needs from r and s: pinned against hand-made encodings
    // (a high bit gets a 0x00 pad, leading zero bytes are dropped).
    @Test func ecdsaSignatureDER() {
        let r = [UInt8](repeating: 0x80, count: 32)
        let s = [UInt8](repeating: 0, count: 31) + [0x05]
        let der = ECDSASignature.der(jose: r + s)
        #expect(der == [0x30, 0x26, 0x02, 0x21, 0x00] + r + [0x02, 0x01, 0x05])
        #expect(ECDSASignature.der(jose: [UInt8](repeating: 1, count: 63)) == nil)
        #expect(ECDSASignature.der(jose: [UInt8](repeating: 1, count: 65)) == nil)
        #expect(ECDSASignature.der(jose: []) == nil)
    }
}
