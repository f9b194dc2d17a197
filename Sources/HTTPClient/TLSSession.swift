#if canImport(Glibc)
import Glibc
#endif
import COpenSSL

/// TLS over one connected non-blocking socket: the handshake with peer verification, then
/// reads and writes that wait in poll(2) whenever OpenSSL wants the socket.
///
/// Owned by one thread at a time, like the connection that holds it.
final class TLSSession {
    private let ssl: OpaquePointer
    private let bioState: SocketBIOState
    /// After a fatal SSL error OpenSSL forbids SSL_shutdown; remember so `close` skips it.
    private var failed = false

    init(context: TLSContext, fd: Int32, host: String, deadline: Deadline, handle: HTTPStreamHandle?) throws(HTTPClientError) {
        guard let ssl = SSL_new(context.ctx) else { throw .tls("SSL_new failed: \(TLSErrors.drain())") }
        self.ssl = ssl
        bioState = SocketBIOState(fd: fd)
        // From here every stored property is set, so a throw runs deinit, which frees `ssl`.
        guard let bio = SocketBIO.make(bioState) else { throw .tls("BIO_new failed: \(TLSErrors.drain())") }
        SSL_set_bio(ssl, bio, bio)  // one BIO both ways: SSL takes its single reference

        let name = context.configuration.serverName ?? host
        let nameIsIP = HTTPURL.isIPAddress(name)
        // SNI must be a DNS name (RFC 6066 §3), so none for IP literals.
        if !nameIsIP { _ = cmcp_SSL_set_tlsext_host_name(ssl, name) }
        if context.configuration.verifyPeer {
            let param = SSL_get0_param(ssl)
            // X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS (x509v3.h, not in the shim): "*.example.com" only,
            // never "f*.example.com".
            X509_VERIFY_PARAM_set_hostflags(param, 0x4)
            let ok = nameIsIP ? X509_VERIFY_PARAM_set1_ip_asc(param, name) : X509_VERIFY_PARAM_set1_host(param, name, 0)
            guard ok == 1 else { throw .tls("cannot verify against name \"\(name)\"") }
        }
        SSL_set_connect_state(ssl)
        try handshake(deadline: deadline, handle: handle)
    }

    deinit { SSL_free(ssl) }

    private func handshake(deadline: Deadline, handle: HTTPStreamHandle?) throws(HTTPClientError) {
        while true {
            ERR_clear_error()
            let rc = SSL_connect(ssl)
            if rc == 1 { return }
            let err = SSL_get_error(ssl, rc)
            switch err {
            case SSL_ERROR_WANT_READ: try TCPSocket.wait(bioState.fd, for: Int16(POLLIN), deadline: deadline, handle: handle)
            case SSL_ERROR_WANT_WRITE: try TCPSocket.wait(bioState.fd, for: Int16(POLLOUT), deadline: deadline, handle: handle)
            default:
                failed = true
                if handle?.isCancelled == true { throw .cancelled }
                let verify = SSL_get_verify_result(ssl)
                if verify != X509_V_OK {
                    ERR_clear_error()
                    throw .certificateVerifyFailed(reason: String(cString: X509_verify_cert_error_string(verify)))
                }
                if err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN {
                    let code = bioState.lastErrno
                    ERR_clear_error()
                    throw .tls(code == 0 ? "handshake failed: the server closed the connection"
                                         : "handshake failed: \(String(cString: strerror(code)))")
                }
                throw .tls("handshake failed: \(TLSErrors.drain())")
            }
        }
    }

    /// Reads decrypted bytes; 0 means the peer closed (with or without close_notify).
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline, handle: HTTPStreamHandle?) throws(HTTPClientError) -> Int {
        while true {
            ERR_clear_error()
            var count = 0
            let rc = SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &count)
            if rc == 1 { return count }
            try waitOrFail(SSL_get_error(ssl, rc), call: "SSL_read", deadline: deadline, handle: handle)
            if failedWithEOF { return 0 }
        }
    }

    /// Writes some of `bytes`; returns how many went out.
    func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline, handle: HTTPStreamHandle?) throws(HTTPClientError) -> Int {
        while true {
            ERR_clear_error()
            var count = 0
            let rc = SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &count)
            if rc == 1 { return count }
            try waitOrFail(SSL_get_error(ssl, rc), call: "SSL_write", deadline: deadline, handle: handle)
            if failedWithEOF { throw .io("SSL_write", EPIPE) }
        }
    }

    private var failedWithEOF = false

    /// Waits for the socket on WANT_READ/WANT_WRITE; on a clean close sets `failedWithEOF`;
    /// anything else throws.
    private func waitOrFail(_ err: Int32, call: String, deadline: Deadline, handle: HTTPStreamHandle?) throws(HTTPClientError) {
        switch err {
        case SSL_ERROR_WANT_READ:
            try TCPSocket.wait(bioState.fd, for: Int16(POLLIN), deadline: deadline, handle: handle)
        case SSL_ERROR_WANT_WRITE:
            try TCPSocket.wait(bioState.fd, for: Int16(POLLOUT), deadline: deadline, handle: handle)
        case SSL_ERROR_ZERO_RETURN:
            failedWithEOF = true
        case SSL_ERROR_SYSCALL:
            failed = true
            ERR_clear_error()
            if handle?.isCancelled == true { throw .cancelled }
            if bioState.lastErrno == 0 { failedWithEOF = true; return }
            throw .io(call, bioState.lastErrno)
        default:
            failed = true
            if handle?.isCancelled == true { ERR_clear_error(); throw .cancelled }
            throw .tls("\(call) failed: \(TLSErrors.drain())")
        }
    }

    /// For a pooled connection: true if the server has neither closed it nor sent anything.
    /// SSL_peek also consumes post-handshake messages such as TLS 1.3 session tickets, which
    /// would make a raw-socket check think the server sent unexpected data.
    func isIdleAndOpen() -> Bool {
        ERR_clear_error()
        var byte: UInt8 = 0
        var count = 0
        let rc = SSL_peek_ex(ssl, &byte, 1, &count)
        if rc == 1 { return false }
        let err = SSL_get_error(ssl, rc)
        ERR_clear_error()
        if err != SSL_ERROR_WANT_READ { failed = true }
        return err == SSL_ERROR_WANT_READ
    }

    /// Sends close_notify if the session is healthy (best effort, never waits).
    func shutdown() {
        if !failed && !failedWithEOF {
            ERR_clear_error()
            _ = SSL_shutdown(ssl)
        }
        ERR_clear_error()
    }
}
