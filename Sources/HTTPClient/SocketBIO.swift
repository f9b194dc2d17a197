#if canImport(Glibc)
import Glibc
#endif
import COpenSSL

/// What the BIO callbacks need for one connection. Touched only by the thread that owns the
/// connection.
final class SocketBIOState {
    let fd: Int32
    /// errno of the last failed read or write, for SSL_ERROR_SYSCALL.
    var lastErrno: Int32 = 0
    var sawEOF = false

    init(fd: Int32) { self.fd = fd }
}

/// A BIO over a non-blocking socket that writes with MSG_NOSIGNAL.
///
/// OpenSSL's own socket BIO uses write(2), which raises SIGPIPE when the server has closed;
/// the default action kills the process. A library must not rely on the binary ignoring
/// SIGPIPE, so TLS goes through this BIO instead.
enum SocketBIO {
    /// BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY (a compound macro Swift does not import).
    static let retryFlags = BIO_FLAGS_READ | BIO_FLAGS_WRITE | BIO_FLAGS_IO_SPECIAL | BIO_FLAGS_SHOULD_RETRY

    nonisolated(unsafe) static let method: OpaquePointer = {
        let type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK
        let method = BIO_meth_new(type, "mcp-gateway socket")!
        _ = BIO_meth_set_write_ex(method) { bio, data, length, written in
            guard let bio, let state = SocketBIO.state(bio) else { return 0 }
            BIO_clear_flags(bio, SocketBIO.retryFlags)
            while true {
                let n = send(state.fd, data, length, Int32(MSG_NOSIGNAL))
                if n >= 0 {
                    written?.pointee = n
                    return 1
                }
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK {
                    BIO_set_flags(bio, BIO_FLAGS_WRITE | BIO_FLAGS_SHOULD_RETRY)
                } else {
                    state.lastErrno = code
                }
                return 0
            }
        }
        _ = BIO_meth_set_read_ex(method) { bio, data, length, readBytes in
            guard let bio, let state = SocketBIO.state(bio) else { return 0 }
            BIO_clear_flags(bio, SocketBIO.retryFlags)
            while true {
                let n = recv(state.fd, data, length, 0)
                if n > 0 {
                    readBytes?.pointee = n
                    return 1
                }
                if n == 0 {
                    state.sawEOF = true
                    return 0
                }
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK {
                    BIO_set_flags(bio, BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY)
                } else {
                    state.lastErrno = code
                }
                return 0
            }
        }
        _ = BIO_meth_set_ctrl(method) { bio, cmd, _, _ in
            switch cmd {
            case BIO_CTRL_FLUSH: return 1
            // OpenSSL asks this to tell a clean EOF from an error after a read returned 0.
            case BIO_CTRL_EOF: return (bio.flatMap(SocketBIO.state)?.sawEOF ?? false) ? 1 : 0
            default: return 0
            }
        }
        _ = BIO_meth_set_create(method) { bio in
            BIO_set_init(bio, 1)
            return 1
        }
        _ = BIO_meth_set_destroy(method) { _ in 1 }
        return method
    }()

    /// A BIO reading and writing `state.fd`. `state` is not retained: the connection keeps it
    /// alive for as long as the SSL object exists.
    static func make(_ state: SocketBIOState) -> OpaquePointer? {
        guard let bio = BIO_new(method) else { return nil }
        BIO_set_data(bio, Unmanaged.passUnretained(state).toOpaque())
        return bio
    }

    private static func state(_ bio: OpaquePointer) -> SocketBIOState? {
        guard let data = BIO_get_data(bio) else { return nil }
        return Unmanaged<SocketBIOState>.fromOpaque(data).takeUnretainedValue()
    }
}
