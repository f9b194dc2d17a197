import Synchronization

/// A small blocking HTTP/1.1 client for calls made from background threads (never from an
/// event loop): MCP discovery and notification streams, Kubernetes TokenReview, JWKS.
///
/// Blocking keeps the code obvious; every wait is bounded by a deadline or interruptible by an
/// `HTTPStreamHandle`, so a hung server costs a thread for at most the timeout.
///
/// Connections are kept alive and reused per origin. When a pooled connection turns out to be
/// dead before any byte of the response arrived, the request is retried once on a fresh
/// connection if that is safe:
/// - always when the request could not be written (the server had already closed; it never
///   saw the request), or the read failed with ECONNRESET/EPIPE (the server closed with our
///   request unread in its buffer);
/// - on a clean EOF, if the request is idempotent (`HTTPRequest.isIdempotent`), or TCP shows
///   the server never consumed our bytes (they are unacknowledged, or a RST followed the FIN):
///   the race with a server's keep-alive timer. A POST the server did read before closing is
///   not retried: it may have been processed, so the caller sees `.closedEarly`.
public final class HTTPClient: Sendable {
    public struct Configuration: Sendable {
        public var tls: TLSConfiguration
        /// The default limit for `send`'s buffered body.
        public var maxBodySize: Int
        /// Status line plus headers (and, separately, trailers).
        public var maxResponseHeadSize: Int
        public var maxIdleConnectionsPerOrigin: Int
        /// Seconds an idle connection stays pooled. Servers often close sooner (Node and uvicorn
        /// after 5 s); that is detected before reuse, and retried if missed.
        public var idleConnectionTimeout: Double

        public init(tls: TLSConfiguration = TLSConfiguration(), maxBodySize: Int = 16 << 20, maxResponseHeadSize: Int = 64 << 10,
                    maxIdleConnectionsPerOrigin: Int = 8, idleConnectionTimeout: Double = 30) {
            self.tls = tls
            self.maxBodySize = maxBodySize
            self.maxResponseHeadSize = maxResponseHeadSize
            self.maxIdleConnectionsPerOrigin = maxIdleConnectionsPerOrigin
            self.idleConnectionTimeout = idleConnectionTimeout
        }
    }

    public let configuration: Configuration
    let pool: ConnectionPool
    /// Built on first https use, so a plain-HTTP client never touches CA files.
    private let tlsContext = Mutex<TLSContext?>(nil)
    /// New TCP connections made, for tests and metrics.
    private let opened = Atomic<Int>(0)

    public convenience init(configuration: Configuration = Configuration()) {
        self.init(configuration: configuration, checksPooledLiveness: true)
    }

    init(configuration: Configuration, checksPooledLiveness: Bool) {
        self.configuration = configuration
        pool = ConnectionPool(maxIdlePerOrigin: configuration.maxIdleConnectionsPerOrigin,
                              idleTimeout: configuration.idleConnectionTimeout, checksLiveness: checksPooledLiveness)
    }

    deinit { pool.closeAll() }

    /// How many TCP connections this client has opened.
    public var connectionsOpened: Int { opened.load(ordering: .relaxed) }

    /// Closes every pooled connection (e.g. at shutdown, or after a backend was reconfigured).
    public func closeIdleConnections() { pool.closeAll() }

    /// Sends `request` and buffers the whole response.
    ///
    /// - Parameters:
    ///   - timeout: seconds for everything: DNS aside, connect, TLS, writing, and reading the
    ///     whole body. Past it the call throws `.timeout`.
    ///   - maxBodySize: overrides `configuration.maxBodySize`.
    ///   - handle: lets another thread cancel the call.
    public func send(_ request: HTTPRequest, timeout: Double, maxBodySize: Int? = nil,
                     handle: HTTPStreamHandle? = nil) throws(HTTPClientError) -> HTTPResponse {
        let limit = maxBodySize ?? configuration.maxBodySize
        let deadline = Deadline.after(seconds: timeout)
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        _ = try execute(request, timing: Timing(untilHead: deadline, body: deadline, idle: nil), handle: handle,
                    onHead: { (h) throws(HTTPClientError) -> Bool in
                        if let length = h.contentLength, length > limit { throw .bodyTooLarge(limit: limit) }
                        head = h
                        return true
                    },
                    onBody: { (chunk) throws(HTTPClientError) -> Bool in
                        if body.count + chunk.count > limit { throw .bodyTooLarge(limit: limit) }
                        body.append(contentsOf: chunk)
                        return true
                    })
        guard let head else { throw .closedEarly }
        return HTTPResponse(head: head, body: body)
    }

    /// Sends `request` and hands the response over as it arrives: for Server-Sent Events and
    /// other long-lived responses.
    ///
    /// Returns when the response ends (the server closed a read-until-close body, or the framing
    /// ended) or a callback returns false. `handle.cancel()` from another thread makes it throw
    /// `.cancelled` promptly.
    ///
    /// - Parameters:
    ///   - connectTimeout: seconds for connect, TLS, writing the request and receiving the
    ///     response head.
    ///   - idleTimeout: if set, `.timeout` when no body bytes arrive for this long (use it
    ///     with servers that send keep-alive comments). nil waits forever.
    ///   - onHead: called once with the final (non-1xx) head; return false to stop.
    ///   - onBody: called with each piece of the body (transfer framing removed); false stops.
    @discardableResult
    public func stream(_ request: HTTPRequest, connectTimeout: Double, idleTimeout: Double? = nil, handle: HTTPStreamHandle? = nil,
                       onHead: (HTTPResponseHead) -> Bool, onBody: ([UInt8]) -> Bool) throws(HTTPClientError) -> HTTPStreamEnd {
        try execute(request, timing: Timing(untilHead: .after(seconds: connectTimeout), body: nil, idle: idleTimeout), handle: handle,
                    onHead: { (h) throws(HTTPClientError) -> Bool in onHead(h) },
                    onBody: { (chunk) throws(HTTPClientError) -> Bool in onBody(chunk) })
    }

    // MARK: - Exchange

    /// The deadlines of one call.
    struct Timing {
        /// Connect, TLS, write, and the response head.
        let untilHead: Deadline
        /// The whole body (buffered calls); nil for streams.
        let body: Deadline?
        /// Per-read inactivity limit for streams.
        let idle: Double?

        func readDeadline(headSeen: Bool) -> Deadline {
            guard headSeen else { return untilHead }
            if let body { return body }
            if let idle { return .after(seconds: idle) }
            return .never
        }
    }

    /// A failed exchange, and whether trying again on a fresh connection is safe.
    struct ExchangeFailure: Error {
        let error: HTTPClientError
        let retry: Bool
    }

    private func execute(_ request: HTTPRequest, timing: Timing, handle: HTTPStreamHandle?,
                         onHead: (HTTPResponseHead) throws(HTTPClientError) -> Bool,
                         onBody: ([UInt8]) throws(HTTPClientError) -> Bool) throws(HTTPClientError) -> HTTPStreamEnd {
        let wire = try RequestEncoder.encode(request)
        let origin = Origin(request.url)
        var mayUsePool = true
        while true {
            if handle?.isCancelled == true { throw .cancelled }
            let connection: Connection
            if mayUsePool, let pooled = pool.take(origin) {
                guard pooled.reuse(for: handle) else { pool.put(pooled); throw .cancelled }
                connection = pooled
            } else {
                connection = try Connection.open(request.url, tls: request.url.scheme == .https ? try tls() : nil,
                                                 deadline: timing.untilHead, handle: handle)
                opened.add(1, ordering: .relaxed)
            }
            do throws(ExchangeFailure) {
                let (end, reusable) = try exchange(on: connection, request: request, wire: wire, timing: timing,
                                                   onHead: onHead, onBody: onBody)
                if reusable { pool.put(connection) } else { connection.close() }
                return end
            } catch {
                connection.close()
                if error.retry && mayUsePool {
                    mayUsePool = false  // once, and on a fresh connection
                    continue
                }
                throw error.error
            }
        }
    }

    /// One request/response on `connection`. Returns how it ended and whether the connection
    /// may be pooled.
    private func exchange(on connection: Connection, request: HTTPRequest, wire: [UInt8], timing: Timing,
                          onHead: (HTTPResponseHead) throws(HTTPClientError) -> Bool,
                          onBody: ([UInt8]) throws(HTTPClientError) -> Bool) throws(ExchangeFailure) -> (HTTPStreamEnd, Bool) {
        do throws(HTTPClientError) {
            try connection.write(wire, deadline: timing.untilHead)
        } catch {
            // The server closed (or reset) a pooled connection before we finished writing: it
            // cannot have acted on a request it did not receive.
            throw ExchangeFailure(error: error, retry: connection.isReused && error.isConnectionLoss)
        }

        var parser = ResponseParser(requestMethod: request.method, maxHeadSize: configuration.maxResponseHeadSize)
        var headSeen = false
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            do throws(HTTPClientError) {
                while let event = try parser.next() {
                    switch event {
                    case .head(let head):
                        headSeen = true
                        if try !onHead(head) { return (.stoppedByCallback, false) }
                    case .body(let bytes):
                        if try !onBody(bytes) { return (.stoppedByCallback, false) }
                    case .end:
                        return (.completed, parser.keepAlive && !parser.hasUnconsumedBytes && !request.asksToClose)
                    }
                }
            } catch {
                throw ExchangeFailure(error: error, retry: false)
            }

            let n: Int
            do throws(HTTPClientError) {
                let deadline = timing.readDeadline(headSeen: headSeen)
                n = try buffer.withUnsafeMutableBytes { raw in
                    Result { () throws(HTTPClientError) -> Int in try connection.read(into: raw, deadline: deadline) }
                }.get()
            } catch {
                let reset = connection.isReused && !parser.receivedAnyBytes && error.isConnectionLoss
                throw ExchangeFailure(error: error, retry: reset)
            }
            if n == 0 {
                if !parser.receivedAnyBytes {
                    let stale = connection.isReused && (request.isIdempotent || connection.peerDidNotConsumeRequest())
                    throw ExchangeFailure(error: .closedEarly, retry: stale)
                }
                do throws(HTTPClientError) {
                    if case .end? = try parser.finishInput() { return (.completed, false) }
                    throw HTTPClientError.closedEarly
                } catch {
                    throw ExchangeFailure(error: error, retry: false)
                }
            }
            buffer.withUnsafeBytes { parser.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    private func tls() throws(HTTPClientError) -> TLSContext {
        try tlsContext.withLock { (slot) throws(HTTPClientError) -> TLSContext in
            if let context = slot { return context }
            let context = try TLSContext(configuration.tls)
            slot = context
            return context
        }
    }
}
