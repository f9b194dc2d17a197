#if canImport(Glibc)
import Glibc
#endif

/// Non-blocking TCP sockets driven by poll(2), so every wait has a deadline and a cancelled or
/// hung peer can never block a thread forever.
enum TCPSocket {
    /// Resolves `host` and connects to the first address that answers by `deadline`.
    ///
    /// getaddrinfo itself blocks without a timeout (glibc has no async resolver we can bound);
    /// the resolver's own timeouts (resolv.conf) bound it. Each address gets an equal share of
    /// what is left, so one black-holed address cannot eat the whole budget.
    static func connect(host: String, port: UInt16, deadline: Deadline, handle: HTTPStreamHandle?) throws(HTTPClientError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        hints.ai_flags = AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &result)
        guard rc == 0, result != nil else {
            let reason = rc == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(rc))
            throw .dnsFailed(host: host, reason: reason)
        }
        defer { freeaddrinfo(result) }
        var addresses: [UnsafeMutablePointer<addrinfo>] = []
        var cursor = result
        while let info = cursor {
            addresses.append(info)
            cursor = info.pointee.ai_next
        }

        var lastError: HTTPClientError = .connectFailed(errno: 0, description: "no address for \(host)")
        for (i, info) in addresses.enumerated() {
            if handle?.isCancelled == true { throw .cancelled }
            if deadline.hasPassed { throw .timeout }
            let left = UInt64(addresses.count - i)
            let share = deadline == .never ? Deadline.never
                : Deadline(nanoseconds: Deadline.now().nanoseconds + deadline.remainingNanoseconds / left)
            let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else {
                lastError = .connectFailed(errno: errno, description: "socket: \(String(cString: strerror(errno)))")
                continue
            }
            if let handle, !handle.attach(fd) {
                close(fd)
                throw .cancelled
            }
            do throws(HTTPClientError) {
                try connectOne(fd, info.pointee.ai_addr, info.pointee.ai_addrlen, host: host, port: port, deadline: share, handle: handle)
                configure(fd)
                return fd
            } catch {
                handle?.detach(fd)
                close(fd)
                if error == .cancelled { throw error }
                if error == .timeout {
                    if deadline.hasPassed { throw .timeout }
                    lastError = .connectFailed(errno: ETIMEDOUT, description: "\(host):\(port): connect timed out")
                } else {
                    lastError = error
                }
            }
        }
        throw lastError
    }

    private static func connectOne(_ fd: Int32, _ addr: UnsafeMutablePointer<sockaddr>?, _ len: socklen_t, host: String, port: UInt16,
                                   deadline: Deadline, handle: HTTPStreamHandle?) throws(HTTPClientError) {
        var rc: Int32
        repeat { rc = Glibc.connect(fd, addr, len) } while rc < 0 && errno == EINTR
        if rc == 0 { return }
        guard errno == EINPROGRESS else { throw connectError(errno, host, port) }
        try wait(fd, for: Int16(POLLOUT), deadline: deadline, handle: handle)
        var soError: Int32 = 0
        var soLen = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &soLen)
        if handle?.isCancelled == true { throw .cancelled }
        guard soError == 0 else { throw connectError(soError, host, port) }
    }

    private static func connectError(_ code: Int32, _ host: String, _ port: UInt16) -> HTTPClientError {
        .connectFailed(errno: code, description: "\(host):\(port): \(String(cString: strerror(code)))")
    }

    /// TCP_NODELAY because a request goes out in one write and we wait for the answer; keepalive
    /// so a long SSE stream to a peer that vanished (no FIN, no RST) is noticed in ~2 minutes.
    private static func configure(_ fd: Int32) {
        var one: Int32 = 1
        let size = socklen_t(MemoryLayout<Int32>.size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, size)
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, size)
        var idle: Int32 = 60, interval: Int32 = 10, count: Int32 = 6
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPINTVL, &interval, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT, &count, size)
    }

    /// Blocks until `fd` is ready for `events` (or hung up / errored: the next call reports
    /// that), the deadline passes, or the handle is cancelled.
    static func wait(_ fd: Int32, for events: Int16, deadline: Deadline, handle: HTTPStreamHandle?) throws(HTTPClientError) {
        while true {
            if handle?.isCancelled == true { throw .cancelled }
            if deadline.hasPassed { throw .timeout }
            var pfd = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&pfd, 1, deadline.pollTimeout)
            if rc < 0 {
                if errno == EINTR { continue }
                throw .io("poll", errno)
            }
            if rc > 0 {
                if handle?.isCancelled == true { throw .cancelled }
                return
            }
        }
    }

    /// Sends some of `bytes`; returns how many went out.
    static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, deadline: Deadline, handle: HTTPStreamHandle?) throws(HTTPClientError) -> Int {
        while true {
            // MSG_NOSIGNAL: a peer that closed must give EPIPE, not kill the process.
            let n = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return n }
            let code = errno
            if handle?.isCancelled == true { throw .cancelled }
            switch code {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: try wait(fd, for: Int16(POLLOUT), deadline: deadline, handle: handle)
            default: throw .io("send", code)
            }
        }
    }

    /// Reads into `buffer`; 0 means the peer closed.
    static func receive(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, deadline: Deadline, handle: HTTPStreamHandle?) throws(HTTPClientError) -> Int {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n >= 0 { return n }
            let code = errno
            if handle?.isCancelled == true { throw .cancelled }
            switch code {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: try wait(fd, for: Int16(POLLIN), deadline: deadline, handle: handle)
            default: throw .io("recv", code)
            }
        }
    }

    /// For a pooled plain connection: still open and with nothing unexpected to read.
    static func isIdleAndOpen(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
    }

    /// After a pooled connection hit EOF with no response: whether TCP proves the server never
    /// consumed our request. A server that closed the idle connection before our bytes arrived
    /// never acknowledges them (its FIN carries no ACK for them) and answers them with a RST;
    /// a server that read the request and then closed has ACKed everything in its FIN. So
    /// unacknowledged bytes or a reset connection mean "not read", and a retry is safe even for
    /// a POST.
    static func peerDidNotConsumeRequest(_ fd: Int32) -> Bool {
        var info = tcp_info()
        var len = socklen_t(MemoryLayout<tcp_info>.size)
        guard getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, &info, &len) == 0 else { return false }
        let tcpClose: UInt8 = 7  // TCP_CLOSE: a RST arrived after the FIN
        return info.tcpi_unacked > 0 || info.tcpi_state == tcpClose
    }
}
