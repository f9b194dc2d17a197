#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import HTTP2
import WorkPool

/// One plain-HTTP/1.1 exchange whose response is read on an event loop, for long waits that must
/// not hold a thread: a relayed MCP call may wait minutes for a server (or a user answering an
/// elicitation), and a server that never answers must cost a timer, not a blocked thread.
///
/// A numeric address (the usual case: a Service IP, 127.0.0.1) is connected without blocking, on
/// the loop; only a host name needs a background queue for DNS and the connect (both bounded by
/// `connectTimeout`). Writing the request, waiting and reading happen on `loop`. Every callback
/// runs on the loop thread, `onEnd` exactly once. `cancel()` may be called from any thread.
/// https URLs are not handled here (the caller uses the blocking client for them).
public final class LoopHTTPExchange: FileDescriptorHandler, @unchecked Sendable {
    public enum End: Sendable, Equatable {
        case complete
        case failed(HTTPClientError)
    }

    private let loop: EventLoop
    private let headTimeout: Double
    private let idleTimeout: Double?
    private let onHead: (HTTPResponseHead) -> Void
    private let onBody: ([UInt8]) -> Void
    private let onEnd: (End) -> Void
    // Loop-confined state.
    private var fd: Int32 = -1
    private var parser: ResponseParser
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var finished = false
    private var headSeen = false
    private let started = MonotonicClock.now()
    private var lastRead = MonotonicClock.now()
    private var writeInterest = false
    /// A non-blocking connect in progress (numeric addresses): done when the socket is writable.
    private var connecting = false
    private var connectDeadline = Double.infinity

    private init(loop: EventLoop, method: String, headTimeout: Double, idleTimeout: Double?,
                 onHead: @escaping (HTTPResponseHead) -> Void, onBody: @escaping ([UInt8]) -> Void, onEnd: @escaping (End) -> Void) {
        self.loop = loop
        self.headTimeout = headTimeout
        self.idleTimeout = idleTimeout
        self.onHead = onHead
        self.onBody = onBody
        self.onEnd = onEnd
        parser = ResponseParser(requestMethod: method)
    }

    /// Starts the exchange. The callbacks run on `loop`.
    public static func start(_ request: HTTPRequest, on loop: EventLoop, connectTimeout: Double, headTimeout: Double,
                             idleTimeout: Double?, onHead: @escaping (HTTPResponseHead) -> Void,
                             onBody: @escaping ([UInt8]) -> Void, onEnd: @escaping (End) -> Void) -> LoopHTTPExchange {
        let exchange = LoopHTTPExchange(loop: loop, method: request.method, headTimeout: headTimeout, idleTimeout: idleTimeout,
                                        onHead: onHead, onBody: onBody, onEnd: onEnd)
        let bytes: [UInt8]
        do { bytes = try RequestEncoder.encode(request) } catch {
            loop.execute { exchange.finish(.failed(error)) }
            return exchange
        }
        guard request.url.scheme == .http else {
            loop.execute { exchange.finish(.failed(.invalidURL("only http:// is served on the event loop"))) }
            return exchange
        }
        if let address = NumericAddress(host: request.url.host, port: request.url.port) {
            loop.execute { exchange.connectOnLoop(address, request: bytes, timeout: connectTimeout) }
            return exchange
        }
        let submitted = Self.connects.submit {
            let result: Result<Int32, HTTPClientError>
            do throws(HTTPClientError) {
                result = .success(try TCPSocket.connect(host: request.url.host, port: request.url.port,
                                                        deadline: .after(seconds: connectTimeout), handle: nil))
            } catch {
                result = .failure(error)
            }
            loop.execute { exchange.connected(result, request: bytes) }
        }
        if !submitted {
            loop.execute { exchange.finish(.failed(.connectFailed(errno: EAGAIN, description: "too many connects by host name in progress"))) }
        }
        return exchange
    }

    /// Host names only: DNS and the blocking connect, off the loops, on a bounded pool of their own.
    static let connects = BlockingWorkPool(name: "loop-http-connect", threads: 8, maxPending: 1024)

    private func connectOnLoop(_ address: NumericAddress, request: [UInt8], timeout: Double) {
        guard !finished else { return }
        let socket = Glibc.socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { finish(.failed(.connectFailed(errno: errno, description: String(cString: strerror(errno))))); return }
        let rc = address.withSockaddr { Glibc.connect(socket, $0, $1) }
        guard rc == 0 || errno == EINPROGRESS else {
            let e = errno
            Glibc.close(socket)
            finish(.failed(.connectFailed(errno: e, description: String(cString: strerror(e)))))
            return
        }
        var one: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        fd = socket
        output = request
        connecting = rc != 0
        connectDeadline = MonotonicClock.now() + timeout
        do { try loop.register(fd: fd, handler: self, readable: true, writable: connecting) } catch {
            finish(.failed(.ioFailed(errno: EBADF, description: "could not watch the connection")))
            return
        }
        writeInterest = connecting
        if !connecting { flush() }
        scheduleDeadlineCheck()
    }

    /// Ends the exchange now (the client went away); `onEnd` is not called for a cancellation.
    public func cancel() {
        loop.execute { [self] in
            guard !finished else { return }
            finished = true
            closeSocket()
        }
    }

    private func connected(_ result: Result<Int32, HTTPClientError>, request: [UInt8]) {
        switch result {
        case .failure(let error):
            finish(.failed(error))
        case .success(let socket):
            guard !finished else { Glibc.close(socket); return }
            fd = socket
            output = request
            do { try loop.register(fd: fd, handler: self, readable: true, writable: false) } catch {
                finish(.failed(.ioFailed(errno: EBADF, description: "could not watch the connection")))
                return
            }
            flush()
            scheduleDeadlineCheck()
        }
    }

    private func scheduleDeadlineCheck() {
        loop.schedule(after: 1) { [weak self] in
            guard let self, !self.finished else { return }
            let now = MonotonicClock.now()
            if self.connecting && now > self.connectDeadline { self.finish(.failed(.timeout)); return }
            if !self.headSeen && now - self.started > self.headTimeout { self.finish(.failed(.timeout)); return }
            if self.headSeen, let idle = self.idleTimeout, now - self.lastRead > idle { self.finish(.failed(.timeout)); return }
            self.scheduleDeadlineCheck()
        }
    }

    private func flush() {
        while outputOffset < output.count {
            let n = output.withUnsafeBytes { write(fd, $0.baseAddress! + outputOffset, output.count - outputOffset) }
            if n > 0 { outputOffset += n; continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                if !writeInterest { writeInterest = true; loop.modify(fd: fd, readable: true, writable: true) }
                return
            }
            if n < 0 && errno == EINTR { continue }
            finish(.failed(.ioFailed(errno: errno, description: String(cString: strerror(errno)))))
            return
        }
        output = []
        outputOffset = 0
        if writeInterest { writeInterest = false; loop.modify(fd: fd, readable: true, writable: false) }
    }

    public func readable() {
        guard !finished else { return }
        if connecting {
            // A refused or failed connect reports readable/hang-up too: name it as a connect failure.
            writable()
            return
        }
        let buffer = loop.readBuffer
        for _ in 0..<8 {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n > 0 {
                lastRead = MonotonicClock.now()
                parser.append(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                guard drain(final: false) else { return }
                if n < buffer.count { return }
            } else if n == 0 {
                _ = drain(final: true)
                return
            } else {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
                finish(.failed(.ioFailed(errno: errno, description: String(cString: strerror(errno)))))
                return
            }
        }
    }

    /// Hands parsed events on; false once the exchange has ended.
    private func drain(final: Bool) -> Bool {
        do {
            while !finished, let event = try parser.next() {
                if handle(event) { return false }
            }
            if final && !finished {
                if let event = try parser.finishInput(), handle(event) { return false }
                if !finished { finish(.failed(.closedEarly)) }
                return false
            }
        } catch {
            finish(.failed(error))
            return false
        }
        return !finished
    }

    /// True when this event ended the exchange.
    private func handle(_ event: ResponseParser.Event) -> Bool {
        switch event {
        case .head(let head):
            headSeen = true
            onHead(head)
        case .body(let bytes):
            onBody(bytes)
        case .end:
            finish(.complete)
            return true
        }
        return finished
    }

    public func writable() {
        guard !finished else { return }
        if connecting {
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else {
                finish(.failed(.connectFailed(errno: error, description: String(cString: strerror(error)))))
                return
            }
            connecting = false
        }
        flush()
    }

    public func hangup() {
        guard !finished else { return }
        if connecting { writable(); return }
        _ = drain(final: true)
        if !finished { finish(.failed(.closedEarly)) }
    }

    private func finish(_ end: End) {
        guard !finished else { return }
        finished = true
        closeSocket()
        onEnd(end)
    }

    private func closeSocket() {
        guard fd >= 0 else { return }
        loop.deregister(fd: fd)
        Glibc.close(fd)
        fd = -1
    }
}

/// An IPv4 or IPv6 literal and port, connectable without DNS.
struct NumericAddress {
    let family: Int32
    private var v4 = sockaddr_in()
    private var v6 = sockaddr_in6()

    init?(host: String, port: UInt16) {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if inet_pton(AF_INET, bare, &v4.sin_addr) == 1 {
            family = AF_INET
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
        } else if inet_pton(AF_INET6, bare, &v6.sin6_addr) == 1 {
            family = AF_INET6
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
        } else {
            return nil
        }
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        if family == AF_INET {
            var a = v4
            return withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        var a = v6
        return withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
    }
}
