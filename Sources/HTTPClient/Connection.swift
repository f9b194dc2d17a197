#if canImport(Glibc)
import Glibc
#endif

/// Where a connection goes: connections are pooled and reused only within one origin.
struct Origin: Hashable, Sendable {
    let scheme: HTTPURL.Scheme
    let host: String
    let port: UInt16

    init(_ url: HTTPURL) {
        scheme = url.scheme
        host = url.host
        port = url.port
    }
}

/// One HTTP/1.1 connection: a TCP socket, optionally wrapped in TLS.
///
/// `@unchecked Sendable` because it moves between threads through the pool, but is only ever
/// used by one thread at a time: whoever created it or took it from the pool.
final class Connection: @unchecked Sendable {
    let origin: Origin
    let fd: Int32
    private let tls: TLSSession?
    /// Set when the connection comes out of the pool: a failure before any response byte may
    /// then just mean the server closed it while it was idle.
    private(set) var isReused = false
    private(set) var idleSince = Deadline.now()
    private var handle: HTTPStreamHandle?
    private var closed = false

    private init(origin: Origin, fd: Int32, tls: TLSSession?, handle: HTTPStreamHandle?) {
        self.origin = origin
        self.fd = fd
        self.tls = tls
        self.handle = handle
    }

    /// Connects (and handshakes, for https) by `deadline`. The socket stays attached to
    /// `handle` until the connection is pooled or closed.
    static func open(_ url: HTTPURL, tls: TLSContext?, deadline: Deadline, handle: HTTPStreamHandle?) throws(HTTPClientError) -> Connection {
        let fd = try TCPSocket.connect(host: url.host, port: url.port, deadline: deadline, handle: handle)
        var session: TLSSession?
        if url.scheme == .https, let tls {
            do throws(HTTPClientError) {
                session = try TLSSession(context: tls, fd: fd, host: url.host, deadline: deadline, handle: handle)
            } catch {
                handle?.detach(fd)
                Glibc.close(fd)
                throw error
            }
        }
        return Connection(origin: Origin(url), fd: fd, tls: session, handle: handle)
    }

    deinit { close() }

    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8], deadline: Deadline) throws(HTTPClientError) {
        var offset = 0
        while offset < bytes.count {
            // withUnsafeBytes only rethrows untyped errors, so carry a Result out.
            let result = bytes.withUnsafeBytes { raw in
                Result { () throws(HTTPClientError) -> Int in
                    let rest = UnsafeRawBufferPointer(rebasing: raw[offset...])
                    if let tls { return try tls.write(rest, deadline: deadline, handle: handle) }
                    return try TCPSocket.send(fd, rest, deadline: deadline, handle: handle)
                }
            }
            offset += try result.get()
        }
    }

    /// Reads into `buffer`; 0 means the peer closed.
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(HTTPClientError) -> Int {
        if handle?.isCancelled == true { throw .cancelled }
        let n = if let tls {
            try tls.read(into: buffer, deadline: deadline, handle: handle)
        } else {
            try TCPSocket.receive(fd, buffer, deadline: deadline, handle: handle)
        }
        // A cancel shuts the socket down, which reads as EOF.
        if n == 0, handle?.isCancelled == true { throw .cancelled }
        return n
    }

    /// Whether a pooled connection can be used: not closed by the server, no stray bytes.
    func isIdleAndOpen() -> Bool {
        if let tls { return tls.isIdleAndOpen() }
        return TCPSocket.isIdleAndOpen(fd)
    }

    /// See `TCPSocket.peerDidNotConsumeRequest`.
    func peerDidNotConsumeRequest() -> Bool {
        TCPSocket.peerDidNotConsumeRequest(fd)
    }

    /// Taken out of the pool for a new request, on behalf of `handle`. False if the handle
    /// is already cancelled.
    func reuse(for handle: HTTPStreamHandle?) -> Bool {
        isReused = true
        self.handle = handle
        return handle?.attach(fd) ?? true
    }

    /// About to go into the pool: no caller's cancel may touch it any more.
    func markIdle() {
        handle?.detach(fd)
        handle = nil
        idleSince = .now()
    }

    func close() {
        guard !closed else { return }
        closed = true
        handle?.detach(fd)
        handle = nil
        tls?.shutdown()
        Glibc.close(fd)
    }
}
