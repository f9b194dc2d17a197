import COpenSSL

/// An OpenSSL SSL_CTX built once from a `TLSConfiguration`: loading a CA bundle parses every
/// certificate in it, so it is done once per client, not per connection.
///
/// `@unchecked Sendable`: the SSL_CTX is only read after `init` (SSL_new from many threads is
/// safe in OpenSSL 3).
public final class TLSContext: @unchecked Sendable {
    let ctx: OpaquePointer
    let configuration: TLSConfiguration

    public init(_ configuration: TLSConfiguration) throws(HTTPClientError) {
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw .tls("SSL_CTX_new failed: \(TLSErrors.drain())") }
        self.ctx = ctx
        self.configuration = configuration
        // TLS 1.0/1.1 are broken and no server we talk to needs them.
        _ = cmcp_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
        // A write retried after WANT_WRITE may come from a Swift array that moved.
        _ = cmcp_SSL_CTX_set_mode(ctx, Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        // Many servers close without close_notify. Truncation is caught by HTTP framing
        // (Content-Length, chunked), so a missing close_notify is treated as a plain EOF.
        _ = SSL_CTX_set_options(ctx, cmcp_SSL_OP_IGNORE_UNEXPECTED_EOF())

        if configuration.verifyPeer {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
            if let caFile = configuration.caFile {
                guard SSL_CTX_load_verify_locations(ctx, caFile, nil) == 1 else {
                    throw .tls("cannot load CA file \(caFile): \(TLSErrors.drain())")
                }
            } else {
                guard SSL_CTX_set_default_verify_paths(ctx) == 1 else {
                    throw .tls("cannot load the system CA store: \(TLSErrors.drain())")
                }
            }
        } else {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
        }

        switch (configuration.certificateFile, configuration.privateKeyFile) {
        case (nil, nil):
            break
        case (let cert?, let key?):
            guard SSL_CTX_use_certificate_chain_file(ctx, cert) == 1 else {
                throw .tls("cannot load client certificate \(cert): \(TLSErrors.drain())")
            }
            guard SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 else {
                throw .tls("cannot load client key \(key): \(TLSErrors.drain())")
            }
            guard SSL_CTX_check_private_key(ctx) == 1 else {
                throw .tls("client key \(key) does not match certificate \(cert)")
            }
        default:
            throw .tls("a client certificate needs both certificateFile and privateKeyFile")
        }
    }

    deinit { SSL_CTX_free(ctx) }
}

/// OpenSSL's per-thread error queue, rendered for an error message.
enum TLSErrors {
    static func drain() -> String {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buf = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buf, buf.count)
            messages.append(String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages.isEmpty ? "unknown error" : messages.joined(separator: "; ")
    }
}
