import CNghttp2

/// What a request handler is told about one stream. All calls arrive on the connection's loop thread.
public protocol HTTP2StreamDelegate: AnyObject {
    /// Request body bytes; the buffer is only valid during the call.
    func stream(_ stream: HTTP2Stream, received data: UnsafeRawBufferPointer)
    /// The client half-closed (END_STREAM): no more data will arrive.
    func streamEnded(_ stream: HTTP2Stream)
    /// The stream is gone: completed, reset by the peer (`errorCode` CANCEL etc.), or its connection died.
    func streamClosed(_ stream: HTTP2Stream, errorCode: UInt32)
}

/// Decides what serves a new request, once its headers are complete (loop thread).
public protocol HTTP2RequestHandler: Sendable {
    func open(stream: HTTP2Stream) -> HTTP2StreamDelegate
}

/// One HTTP/2 request/response exchange.
///
/// Owned by its connection's loop. The `send*`/`finish`/`reset` methods may be called from any
/// thread: off the loop they hop onto it, so a slow handler answering later stalls nobody.
public final class HTTP2Stream: @unchecked Sendable {
    public let id: Int32
    public private(set) var requestHeaders: [HeaderField] = []
    public let loop: EventLoop
    public var peer: String { connection?.peer ?? "unknown" }

    weak var connection: HTTP2Connection?
    var delegate: HTTP2StreamDelegate?

    // Outbound state (loop thread only).
    var outbound: [UInt8] = []
    var outboundOffset = 0
    var trailers: [HeaderField]?
    var responseStarted = false
    var dataDeferred = false
    var finished = false
    public private(set) var closed = false
    public private(set) var clientEnded = false

    init(id: Int32, connection: HTTP2Connection) {
        self.id = id
        self.connection = connection
        self.loop = connection.loop
    }

    func appendRequestHeader(name: String, value: String) {
        requestHeaders.append(HeaderField(name, value))
    }

    func markClientEnded() { clientEnded = true }
    func markClosed() { closed = true }

    /// Bytes queued but not yet taken by nghttp2; lets handlers apply back-pressure.
    public var pendingOutboundBytes: Int { outbound.count - outboundOffset }

    /// Sends the response HEADERS (e.g. `:status 200`, `content-type`). Body data and trailers follow.
    public func sendHeaders(_ headers: [HeaderField]) {
        loop.execute { [self] in
            guard !closed, !responseStarted, let connection else { return }
            responseStarted = true
            connection.submitResponse(self, headers: headers, withBody: true)
        }
    }

    /// Queues body bytes after the response headers.
    public func sendData(_ bytes: [UInt8]) {
        loop.execute { [self] in
            guard !closed, responseStarted, !finished, let connection else { return }
            if outboundOffset > 0 && outboundOffset == outbound.count {
                outbound.removeAll(keepingCapacity: true)
                outboundOffset = 0
            }
            outbound.append(contentsOf: bytes)
            connection.resume(self)
        }
    }

    /// Ends the response with trailers. Without prior headers this sends one HEADERS frame with
    /// END_STREAM carrying `headers + trailers` (gRPC's Trailers-Only form).
    public func finish(headersIfNotStarted: [HeaderField] = [], trailers: [HeaderField]) {
        loop.execute { [self] in
            guard !closed, !finished, let connection else { return }
            finished = true
            if !responseStarted {
                responseStarted = true
                connection.submitResponse(self, headers: headersIfNotStarted + trailers, withBody: false)
            } else {
                self.trailers = trailers
                connection.resume(self)
            }
        }
    }

    /// Abandons the stream with RST_STREAM.
    public func reset(errorCode: UInt32 = NGHTTP2_INTERNAL_ERROR.rawValue) {
        loop.execute { [self] in
            guard !closed, let connection else { return }
            finished = true
            connection.resetStream(self, errorCode: errorCode)
        }
    }
}
