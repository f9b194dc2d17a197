/// TLS for another protocol's socket (the Redis client's `rediss://`): the HTTPS client's OpenSSL
/// session, peer verification and bounded waits, over a connected non-blocking socket the caller
/// owns (and closes). Deadlines are seconds on CLOCK_MONOTONIC. One thread at a time.
public final class TLSChannel {
    private let session: TLSSession

    /// Handshakes (verifying the server as `context`'s configuration says) before `deadline`.
    public init(context: TLSContext, fd: Int32, host: String, deadline: Double) throws(HTTPClientError) {
        session = try TLSSession(context: context, fd: fd, host: host, deadline: Self.deadline(deadline), handle: nil)
    }

    /// Reads decrypted bytes; 0 means the peer closed.
    public func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Double) throws(HTTPClientError) -> Int {
        try session.read(into: buffer, deadline: Self.deadline(deadline), handle: nil)
    }

    /// Writes some of `bytes`; returns how many went out.
    public func write(_ bytes: UnsafeRawBufferPointer, deadline: Double) throws(HTTPClientError) -> Int {
        try session.write(bytes, deadline: Self.deadline(deadline), handle: nil)
    }

    /// Neither closed by the peer nor holding unread bytes: safe to reuse.
    public var isIdleAndOpen: Bool { session.isIdleAndOpen() }

    deinit { session.shutdown() }

    private static func deadline(_ seconds: Double) -> Deadline {
        Deadline(nanoseconds: UInt64(max(0, seconds) * 1e9))
    }
}
