#if canImport(Glibc)
import Glibc
#endif
import HTTP2
import HTTPHeaderText
import Logging

/// One HTTP/1.1 connection on the admin port, with keep-alive, owned by one loop.
final class AdminConnection: ServerConnection {
    private let fd: Int32
    private let loop: EventLoop
    private let handler: AdminHandler
    private let logger: Logger
    private let onClose: (AdminConnection) -> Void
    private var parser = HTTP1RequestParser()
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var closeAfterWrite = false
    private var closed = false
    private var writeInterest = false
    /// Set while a streaming response owns the connection: further requests wait.
    private var activeStream: AdminEventStream?
    /// Set while a deferred response is being made elsewhere: further requests wait.
    private var awaitingResponse = false
    /// A connection must complete a request within this long of opening or of its previous
    /// request (slow or stalled peers, idle keep-alives); a streaming response is exempt.
    private let requestTimeout: Double
    private var lastRequest = MonotonicClock.now()

    init(fd: Int32, loop: EventLoop, handler: @escaping AdminHandler, logger: Logger, requestTimeout: Double = 15,
         onClose: @escaping (AdminConnection) -> Void) {
        self.fd = fd
        self.loop = loop
        self.handler = handler
        self.logger = logger
        self.requestTimeout = requestTimeout
        self.onClose = onClose
    }

    func start() throws {
        try loop.register(fd: fd, handler: self)
        scheduleTimeoutCheck(after: requestTimeout)
    }

    private func scheduleTimeoutCheck(after delay: Double) {
        loop.schedule(after: delay) { [weak self] in
            guard let self, !self.closed else { return }
            if self.activeStream != nil {
                self.scheduleTimeoutCheck(after: self.requestTimeout)
                return
            }
            let waited = MonotonicClock.now() - self.lastRequest
            if waited >= self.requestTimeout { self.close() } else { self.scheduleTimeoutCheck(after: self.requestTimeout - waited) }
        }
    }

    func readable() {
        let buf = loop.readBuffer
        let n = read(fd, buf.baseAddress, buf.count)
        if n == 0 { close(); return }
        if n < 0 {
            if errno != EAGAIN && errno != EINTR { close() }
            return
        }
        parser.append(UnsafeRawBufferPointer(rebasing: buf[0..<n]))
        serveParsedRequests()
    }

    private func serveParsedRequests() {
        do {
            while !closeAfterWrite, activeStream == nil, !awaitingResponse, let request = try parser.next() {
                lastRequest = MonotonicClock.now()
                let keepAlive = request.header("connection")?.lowercased() != "close"
                switch handler(request) {
                case .response(var response):
                    if !keepAlive { closeAfterWrite = true }
                    if request.method == "HEAD" { response.body = [] }
                    append(response, keepAlive: keepAlive, headOnly: request.method == "HEAD")
                case .stream(let status, let headers, let start):
                    var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\ntransfer-encoding: chunked\r\n"
                    for (k, v) in headers { head += "\(k): \(HeaderText.value(v))\r\n" }
                    head += "\r\n"
                    output.append(contentsOf: head.utf8)
                    let stream = AdminEventStream(loop: loop, connection: self)
                    activeStream = stream
                    start(stream)
                case .deferred(let make):
                    awaitingResponse = true
                    let headOnly = request.method == "HEAD"
                    let waiter = DeferredResponseWaiter(loop: loop, connection: self)
                    make { response in waiter.ready(response, keepAlive: keepAlive, headOnly: headOnly) }
                }
            }
        } catch {
            let status = error == .headersTooLarge ? 431 : (error == .bodyTooLarge ? 413 : 400)
            logger.warning("admin: bad HTTP/1.1 request", [("error", "\(error)")])
            append(AdminResponse(status: status, body: "bad request: \(error)\n"), keepAlive: false, headOnly: false)
            closeAfterWrite = true
        }
        flush()
    }

    fileprivate func deferredResponseReady(_ response: AdminResponse, keepAlive: Bool, headOnly: Bool) {
        guard !closed, awaitingResponse else { return }
        awaitingResponse = false
        lastRequest = MonotonicClock.now()
        var response = response
        if headOnly { response.body = [] }
        if !keepAlive { closeAfterWrite = true }
        append(response, keepAlive: keepAlive, headOnly: headOnly)
        serveParsedRequests()  // requests pipelined behind it, then flush
    }

    func writable() { flush() }
    func hangup() { close() }

    /// One chunk of a streaming response.
    func writeChunk(_ bytes: [UInt8]) {
        guard !closed else { return }
        output.append(contentsOf: String(bytes.count, radix: 16).utf8)
        output.append(contentsOf: [13, 10])
        output.append(contentsOf: bytes)
        output.append(contentsOf: [13, 10])
        flush()
    }

    /// Ends a streaming response; the connection then closes (streams are one per connection).
    func finishStream() {
        guard !closed else { return }
        output.append(contentsOf: Array("0\r\n\r\n".utf8))
        closeAfterWrite = true
        flush()
    }
    func beginGracefulShutdown() {
        if let activeStream { activeStream.close(); return }
        closeAfterWrite = true
        if outputOffset == output.count { close() }
    }
    func forceClose() { close() }

    private func append(_ response: AdminResponse, keepAlive: Bool, headOnly: Bool) {
        var head = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        // Values through HeaderText (no CR/LF can split the response); names are the handlers' constants.
        head += "content-type: \(HeaderText.value(response.contentType))\r\n"
        head += "content-length: \(headOnly ? 0 : response.body.count)\r\n"
        for (k, v) in response.extraHeaders { head += "\(k): \(HeaderText.value(v))\r\n" }
        head += keepAlive ? "\r\n" : "connection: close\r\n\r\n"
        output.append(contentsOf: head.utf8)
        output.append(contentsOf: response.body)
    }

    private func flush() {
        while outputOffset < output.count {
            let n = output.withUnsafeBytes { send(fd, $0.baseAddress! + outputOffset, $0.count - outputOffset, Int32(MSG_NOSIGNAL)) }
            if n > 0 { outputOffset += n; continue }
            if n < 0 && (errno == EAGAIN || errno == EINTR) {
                if !writeInterest { writeInterest = true; loop.modify(fd: fd, readable: true, writable: true) }
                return
            }
            close()
            return
        }
        output.removeAll(keepingCapacity: true)
        outputOffset = 0
        if writeInterest { writeInterest = false; loop.modify(fd: fd, readable: true, writable: false) }
        if closeAfterWrite { close() }
    }

    private func close() {
        guard !closed else { return }
        closed = true
        activeStream?.markClosed()
        activeStream = nil
        loop.deregister(fd: fd)
        Glibc.close(fd)
        onClose(self)
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 413: "Content Too Large"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

/// The admin HTTP/1.1 server (metrics, health probes).
public enum AdminServer {
    public static func make(address: ListenAddress, group: EventLoopGroup, logger: Logger, maxConnections: Int = Int.max,
                            requestTimeout: Double = 15, handler: @escaping AdminHandler) -> TCPServer {
        TCPServer(address: address, group: group, logger: logger, maxConnections: maxConnections) { fd, loop, onClose in
            AdminConnection(fd: fd, loop: loop, handler: handler, logger: logger, requestTimeout: requestTimeout, onClose: { onClose($0) })
        }
    }
}

/// Carries a deferred response back to its connection's loop (from any thread); the connection is
/// touched only there, and only if it is still open.
private final class DeferredResponseWaiter: @unchecked Sendable {
    let loop: EventLoop
    weak var connection: AdminConnection?

    init(loop: EventLoop, connection: AdminConnection) {
        self.loop = loop
        self.connection = connection
    }

    func ready(_ response: AdminResponse, keepAlive: Bool, headOnly: Bool) {
        loop.execute { [self] in connection?.deferredResponseReady(response, keepAlive: keepAlive, headOnly: headOnly) }
    }
}
