/// The id a server→client request carries on its way to the client, and back.
///
/// Two servers both number their requests from 0 or 1, and the client answers by id alone, so the
/// gateway rewrites each server's id to one that names where the answer must go: the server, its
/// backend session and the server's own id, sealed with the session key (HMAC) and bound to the
/// client session. A client can only answer into requests that were sent to it: another session's
/// id, another server's, or an invented one fails the check, and nothing reaches a server.
///
/// Shape (a JSON string): `mcpgw.<base64url sealed payload>.<base64url MAC, 16 bytes>`; the payload
/// is `server length (1) | server | backend session length (2) | backend session | original raw id`,
/// encrypted (a keystream of HMAC-SHA256 blocks keyed by the MAC, SIV-style), so the client learns
/// neither the backend session id nor the server's own id. The client nonce is MACed but not
/// carried (the client already holds it in its session).
public struct ServerRequestID: Sendable, Equatable {
    public var server: String
    public var backendSession: String
    /// The server's own id, raw JSON (`1`, `"abc"`).
    public var rawID: [UInt8]
    public var purpose: Purpose

    /// What the id names; an id sealed for one purpose does not open as another.
    public enum Purpose: Sendable, Equatable {
        /// A server→client request's JSON-RPC id.
        case request
        /// A task a server created (2025-11-25 `taskId`): routable to its server and session.
        case task
        /// A bridged call waiting for a 2026-07-28 client's retry (its `requestState`).
        case bridgedCall

        var domain: [UInt8] {
            switch self {
            case .request: Array("server-request-id\u{0}".utf8)
            case .task: Array("server-task-id\u{0}".utf8)
            case .bridgedCall: Array("bridged-call\u{0}".utf8)
            }
        }
    }

    static let prefix = "mcpgw."

    public init(server: String, backendSession: String, rawID: [UInt8], purpose: Purpose = .request) {
        self.server = server
        self.backendSession = backendSession
        self.rawID = rawID
        self.purpose = purpose
    }

    /// The sealed id as a JSON string literal, ready to splice into the message.
    public func sealed(for client: ClientSession, signer: SessionSigner) -> [UInt8] {
        let name = Array(server.utf8.prefix(255))
        let backend = Array(backendSession.utf8.prefix(65535))
        var payload = [UInt8(name.count)] + name
        payload += [UInt8(backend.count >> 8), UInt8(backend.count & 0xff)] + backend
        payload += rawID
        let mac = Array(signer.mac(purpose.domain + client.nonce + payload).prefix(16))
        let sealed = Self.xorKeystream(payload, mac: mac, signer: signer)
        return Array("\"\(Self.prefix)\(Base64URL.encode(sealed)).\(Base64URL.encode(mac))\"".utf8)
    }

    /// `data` XOR a keystream derived from the key and the (synthetic) IV `mac`; its own inverse.
    static func xorKeystream(_ data: [UInt8], mac: [UInt8], signer: SessionSigner) -> [UInt8] {
        var out = data
        var block: UInt32 = 0
        var i = 0
        while i < out.count {
            let stream = signer.mac(Array("keystream\u{0}".utf8) + mac + [UInt8(block >> 24), UInt8(block >> 16 & 0xff), UInt8(block >> 8 & 0xff), UInt8(block & 0xff)])
            for b in stream where i < out.count {
                out[i] ^= b
                i += 1
            }
            block += 1
        }
        return out
    }

    /// Opens a sealed id the client answered with (the id's string value, without quotes); nil if
    /// it is not one of ours or was not issued to this client session.
    public static func open(_ text: String, for client: ClientSession, signer: SessionSigner,
                            purpose: Purpose = .request) -> ServerRequestID? {
        guard text.hasPrefix(prefix), text.utf8.count < 1024 else { return nil }
        let parts = text.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let sealed = Base64URL.decode(parts[0]), let mac = Base64URL.decode(parts[1]), mac.count == 16 else { return nil }
        let payload = xorKeystream(sealed, mac: mac, signer: signer)
        guard ConstantTime.equal(signer.mac(purpose.domain + client.nonce + payload), mac, count: 16) else { return nil }
        guard let slen = payload.first.map(Int.init), payload.count >= 1 + slen + 2 else { return nil }
        let server = String(decoding: payload[1..<(1 + slen)], as: UTF8.self)
        let blen = Int(payload[1 + slen]) << 8 | Int(payload[2 + slen])
        let start = 3 + slen
        guard payload.count > start + blen else { return nil }
        let backend = String(decoding: payload[start..<(start + blen)], as: UTF8.self)
        return ServerRequestID(server: server, backendSession: backend, rawID: Array(payload[(start + blen)...]), purpose: purpose)
    }
}
