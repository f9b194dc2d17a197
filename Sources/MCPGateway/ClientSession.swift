import COpenSSL

/// A client's MCP session, carried entirely in its `Mcp-Session-Id`.
///
/// The id is self-contained and signed (HMAC-SHA256 with the configured secret): any replica
/// sharing the secret, or this process after a restart, recognises it without a shared store.
/// `nonce` is unguessable and keys the per-server backend sessions.
public struct ClientSession: Sendable, Equatable, Hashable {
    public let token: String
    public let nonce: [UInt8]
    public let issuedAt: UInt64
    public let protocolVersion: String
    /// A digest of the caller identity that opened the session ("" when unauthenticated):
    /// another identity presenting this id is refused.
    public let identityDigest: String
    /// The client's own `initialize` facts as a JSON object, `{"capabilities":…,"clientInfo":…}`
    /// (empty for sessions issued before this was carried): the gateway opens each backend
    /// session with them, so servers see what the client can do (elicitation, sampling, roots).
    /// Carried in the id itself, so any replica or a restarted process still knows them.
    public let clientInit: [UInt8]
    /// The client declared a capability that lets servers send it requests (elicitation,
    /// sampling, roots): its calls are relayed by the gateway so those requests can be answered;
    /// clients without one keep the direct path through Envoy. Decided once at `initialize` and
    /// carried in the id as a flag, so calls pay nothing to know it.
    public let acceptsServerRequests: Bool

    public init(token: String, nonce: [UInt8], issuedAt: UInt64, protocolVersion: String, identityDigest: String,
                clientInit: [UInt8] = [], acceptsServerRequests: Bool = false) {
        self.token = token
        self.nonce = nonce
        self.issuedAt = issuedAt
        self.protocolVersion = protocolVersion
        self.identityDigest = identityDigest
        self.clientInit = clientInit
        self.acceptsServerRequests = acceptsServerRequests
    }
}

/// Issues and verifies session ids.
public struct SessionSigner: Sendable {
    /// The session secret, prepared for HMAC once (its pad blocks already hashed).
    private let key: HMACSHA256.Key
    public private(set) var ttlSeconds: Double
    /// `g2` carries the identity's length and the client's initialize facts; `g1` ids (identity
    /// to the end, no client facts) are still accepted so a rolling upgrade keeps sessions.
    static let tag = "g2"
    static let legacyTag = "g1"
    /// Largest `clientInit` an id carries: ids travel in a header on every request.
    public static let maxClientInitBytes = 2048

    public init(secret: [UInt8], ttlSeconds: Double) {
        self.key = HMACSHA256.Key(secret)
        self.ttlSeconds = ttlSeconds
    }

    /// The same key with another session lifetime (a reload changed `session.ttlSeconds`): ids
    /// already issued stay valid, their expiry is judged by the new lifetime.
    public func withTTL(_ ttlSeconds: Double) -> SessionSigner {
        var copy = self
        copy.ttlSeconds = ttlSeconds
        return copy
    }

    /// A signer with a random key: sessions then die with the process (logged by the caller).
    public static func ephemeral(ttlSeconds: Double) -> SessionSigner {
        SessionSigner(secret: SecureRandom.bytes(32), ttlSeconds: ttlSeconds)
    }

    /// A new session. `clientInit` (at most `maxClientInitBytes`, the caller checks) rides in the id.
    public func issue(protocolVersion: String, identityDigest: String, clientInit: [UInt8] = [], now: UInt64) -> ClientSession {
        let nonce = SecureRandom.bytes(16)
        var payload = nonce
        for shift in stride(from: 56, through: 0, by: -8) { payload.append(UInt8(truncatingIfNeeded: now >> UInt64(shift))) }
        let version = Array(protocolVersion.utf8.prefix(32))
        payload.append(UInt8(version.count))
        payload += version
        let identity = Array(identityDigest.utf8.prefix(64))
        payload.append(UInt8(identity.count))
        payload += identity
        let facts = Array(clientInit.prefix(Self.maxClientInitBytes))
        let accepts = ClientSession.declaresServerRequestCapabilities(facts)
        payload.append(accepts ? 1 : 0)
        payload += facts
        let token = "\(Self.tag).\(Base64URL.encode(payload)).\(Base64URL.encode(Array(mac(payload).prefix(16))))"
        return ClientSession(token: token, nonce: nonce, issuedAt: now, protocolVersion: protocolVersion, identityDigest: identityDigest,
                             clientInit: facts, acceptsServerRequests: accepts)
    }

    /// HMAC-SHA256 under the session key, for other gateway-issued values that must be
    /// unforgeable (sealed server-request ids).
    public func mac(_ data: [UInt8]) -> [UInt8] { key.digest(data) }

    /// The session a token stands for, or nil if it is malformed, forged or expired.
    ///
    /// Runs on every call of a session: it works on the token's bytes (no String splitting or
    /// Character walks, which were most of its cost) and computes the MAC from the key's
    /// pre-hashed pad blocks.
    public func verify(_ token: String, now: UInt64) -> ClientSession? {
        let parts = token.utf8.withContiguousStorageIfAvailable { Self.parts(of: $0) }
            ?? Array(token.utf8).withUnsafeBufferPointer { Self.parts(of: $0) }
        guard let (payload, mac, legacy) = parts, payload.count >= 25, mac.count == 16 else { return nil }
        let expected = key.digest(payload)
        guard ConstantTime.equal(expected, mac, count: 16) else { return nil }
        let nonce = Array(payload[0..<16])
        var issued: UInt64 = 0
        for b in payload[16..<24] { issued = issued << 8 | UInt64(b) }
        let vlen = Int(payload[24])
        guard payload.count >= 25 + vlen else { return nil }
        let version = String(decoding: payload[25..<(25 + vlen)], as: UTF8.self)
        guard Double(now) < Double(issued) + ttlSeconds, issued <= now + 300 else { return nil }
        if legacy {
            let identity = String(decoding: payload[(25 + vlen)...], as: UTF8.self)
            return ClientSession(token: token, nonce: nonce, issuedAt: issued, protocolVersion: version, identityDigest: identity)
        }
        let at = 25 + vlen
        guard payload.count > at, payload.count >= at + 2 + Int(payload[at]) else { return nil }
        let ilen = Int(payload[at])
        let identity = String(decoding: payload[(at + 1)..<(at + 1 + ilen)], as: UTF8.self)
        let flags = payload[at + 1 + ilen]
        return ClientSession(token: token, nonce: nonce, issuedAt: issued, protocolVersion: version, identityDigest: identity,
                             clientInit: Array(payload[(at + 2 + ilen)...]), acceptsServerRequests: flags & 1 == 1)
    }

    /// `g2.<payload>.<mac>` (or `g1.…`) → the decoded payload, the MAC and whether it is a `g1`
    /// id; nil if the shape or the base64 is wrong.
    private static func parts(of bytes: UnsafeBufferPointer<UInt8>) -> ([UInt8], [UInt8], Bool)? {
        guard bytes.count < 3200, bytes.count > 3 else { return nil }
        // Both tags are two bytes, then the first dot.
        let head = UnsafeBufferPointer(rebasing: bytes[0..<2])
        let legacy = head.elementsEqual(Self.legacyTag.utf8)
        guard bytes[2] == UInt8(ascii: "."), legacy || head.elementsEqual(Self.tag.utf8) else { return nil }
        var second = -1
        for i in 3..<bytes.count where bytes[i] == UInt8(ascii: ".") {
            guard second < 0 else { return nil }  // a third dot
            second = i
        }
        guard second > 0,
              let payload = Base64URL.decode(bytes: UnsafeBufferPointer(rebasing: bytes[3..<second])),
              let mac = Base64URL.decode(bytes: UnsafeBufferPointer(rebasing: bytes[(second + 1)...])) else { return nil }
        return (payload, mac, legacy)
    }
}

/// RFC 2104 HMAC over SHA-256 on OpenSSL's direct SHA-256 interface: OpenSSL 3's `HMAC()`
/// fetches its MAC implementation on every call, which cost more than the hashing itself.
public enum HMACSHA256 {
    /// A key prepared once: the SHA-256 states after its inner and outer pad blocks (shim.h), so
    /// each MAC under it hashes only the message and the inner digest.
    public struct Key: @unchecked Sendable {  // two plain C structs, never mutated after init
        private let inner: SHA256_CTX
        private let outer: SHA256_CTX

        public init(_ key: [UInt8]) {
            var inner = SHA256_CTX(), outer = SHA256_CTX()
            key.withUnsafeBufferPointer { cmcp_hmac_sha256_key($0.baseAddress, $0.count, &inner, &outer) }
            self.inner = inner
            self.outer = outer
        }

        public func digest(_ data: [UInt8]) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: 32)
            withUnsafePointer(to: inner) { i in
                withUnsafePointer(to: outer) { o in
                    data.withUnsafeBufferPointer { d in
                        out.withUnsafeMutableBufferPointer { cmcp_hmac_sha256(i, o, d.baseAddress, d.count, $0.baseAddress) }
                    }
                }
            }
            return out
        }
    }

    public static func digest(key: [UInt8], _ data: [UInt8]) -> [UInt8] { Key(key).digest(data) }
}

public enum SHA256Digest {
    /// OpenSSL's SHA-256 through its direct interface (`cmcp_sha256`, shim.h): no context to
    /// allocate and no implementation lookup per call. The EVP interface cost more than the hash
    /// itself for the short inputs hashed on every request (a session's MAC, its audit reference,
    /// a bearer token).
    public static func hash(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        data.withUnsafeBufferPointer { d in
            out.withUnsafeMutableBufferPointer { o in cmcp_sha256(d.baseAddress, d.count, o.baseAddress) }
        }
        return out
    }
}

public enum SecureRandom {
    public static func bytes(_ n: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: n)
        precondition(RAND_bytes(&out, Int32(n)) == 1, "RAND_bytes failed: no entropy")
        return out
    }
}

/// RFC 4648 §5 base64url without padding.
public enum Base64URL {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    static let reverse: [Int16] = {
        var r = [Int16](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { r[Int(c)] = Int16(i) }
        r[Int(UInt8(ascii: "+"))] = 62
        r[Int(UInt8(ascii: "/"))] = 63
        return r
    }()

    public static func encode(_ data: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((data.count * 4 + 2) / 3)
        var i = 0
        while i + 3 <= data.count {
            let n = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2])
            out.append(alphabet[Int(n >> 18)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(alphabet[Int(n & 63)])
            i += 3
        }
        let rest = data.count - i
        if rest == 1 {
            let n = UInt32(data[i]) << 16
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)]]
        } else if rest == 2 {
            let n = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)]]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes base64url or standard base64, padded or not; nil on any invalid character
    /// (including anything but more `=` after the first `=`).
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        decode(bytes: text.utf8)
    }

    /// The same, from UTF-8 bytes.
    public static func decode(bytes: some Collection<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3 / 4)
        var acc: UInt32 = 0, bits = 0
        var padded = false
        let reverse = Self.reverse  // read once: a static's access check per byte cost more than the decoding
        for c in bytes {
            if c == UInt8(ascii: "=") { padded = true; continue }
            if padded { return nil }
            let v = reverse[Int(c)]
            if v < 0 { return nil }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        return out
    }
}
