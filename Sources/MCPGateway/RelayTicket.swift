import JSONWire

/// ext_proc's instruction to the gateway's HTTP port to relay one call itself.
///
/// Calls of clients that accept server→client requests (elicitation, sampling, roots) cannot go
/// straight through Envoy: the server's requests inside the call's event stream carry the server's
/// own ids, which the gateway must rewrite (`ServerRequestID`) so the client's answers find their
/// way back. ext_proc routes such a call to the gateway's HTTP port with this ticket in a header:
/// the routing decision already made (server, backend session, the call's id), sealed with the
/// session key, bound to the client session, the exact body and a short expiry. The HTTP port
/// then relays without deciding anything again, and a request that did not come through ext_proc
/// (a forged or replayed header) is refused.
public struct RelayTicket: Sendable, Equatable {
    public var server: String
    public var backendSession: String
    /// The call's JSON-RPC id as the client wrote it (for errors the relay writes).
    public var rawID: [UInt8]
    /// Unix seconds after which the ticket is refused.
    public var expires: UInt64

    public static let header = "x-mcp-relay"
    public static let lifetimeSeconds: UInt64 = 30
    static let domain = Array("relay-ticket\u{0}".utf8)

    public init(server: String, backendSession: String, rawID: [UInt8], expires: UInt64) {
        self.server = server
        self.backendSession = backendSession
        self.rawID = rawID
        self.expires = expires
    }

    public func sealed(for client: ClientSession, body: [UInt8], signer: SessionSigner) -> String {
        var payload: [UInt8] = []
        for shift in stride(from: 56, through: 0, by: -8) { payload.append(UInt8(truncatingIfNeeded: expires >> UInt64(shift))) }
        let name = Array(server.utf8.prefix(255)), backend = Array(backendSession.utf8.prefix(65535))
        payload += [UInt8(name.count)] + name + [UInt8(backend.count >> 8), UInt8(backend.count & 0xff)] + backend + rawID
        let mac = signer.mac(Self.domain + client.nonce + SHA256Digest.hash(body) + payload).prefix(16)
        return "\(Base64URL.encode(payload)).\(Base64URL.encode(Array(mac)))"
    }

    /// The ticket in `text`, if the gateway sealed it for this client session and body and it has
    /// not expired.
    public static func open(_ text: String, for client: ClientSession, body: [UInt8], signer: SessionSigner, now: UInt64) -> RelayTicket? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard text.utf8.count < 1024, parts.count == 2, let payload = Base64URL.decode(parts[0]), let mac = Base64URL.decode(parts[1]),
              mac.count == 16, payload.count >= 11,
              ConstantTime.equal(signer.mac(domain + client.nonce + SHA256Digest.hash(body) + payload), mac, count: 16) else { return nil }
        var expires: UInt64 = 0
        for b in payload[0..<8] { expires = expires << 8 | UInt64(b) }
        guard now <= expires else { return nil }
        let slen = Int(payload[8])
        guard payload.count >= 9 + slen + 2 else { return nil }
        let server = String(decoding: payload[9..<(9 + slen)], as: UTF8.self)
        let blen = Int(payload[9 + slen]) << 8 | Int(payload[10 + slen])
        let start = 11 + slen
        guard payload.count >= start + blen else { return nil }
        return RelayTicket(server: server, backendSession: String(decoding: payload[start..<(start + blen)], as: UTF8.self),
                           rawID: Array(payload[(start + blen)...]), expires: expires)
    }
}

extension ClientSession {
    /// Whether `clientInit` declares elicitation, sampling or roots (see `acceptsServerRequests`).
    static func declaresServerRequestCapabilities(_ clientInit: [UInt8]) -> Bool {
        guard clientInit.count > 20, let scanner = try? JSONScanner(clientInit[...]),
              let caps = scanner.lastMember(named: "capabilities", in: scanner.root), scanner.kind(at: caps) == .object else { return false }
        return ["elicitation", "sampling", "roots"].contains { scanner.lastMember(named: $0, in: caps) != nil }
    }
}
