#if canImport(Glibc)
import Glibc
#endif
import HTTPClient
import Synchronization

public struct RedisOptions: Sendable, Equatable {
    public var host: String
    public var port: UInt16
    public var username: String?
    /// Sent with AUTH only; never logged, never part of an error's description.
    public var password: String?
    public var database: Int
    /// Bounds every call: connecting, AUTH/SELECT, and each command's round trip.
    public var timeoutMs: Int
    /// Idle connections kept for reuse.
    public var maxIdle: Int
    /// TLS (`rediss://`): the server verified against `caFile` (else the system store), optionally
    /// a client certificate. nil: plain TCP.
    public var tls: TLSConfiguration?

    public init(host: String, port: UInt16 = 6379, username: String? = nil, password: String? = nil, database: Int = 0,
                timeoutMs: Int = 50, maxIdle: Int = 8, tls: TLSConfiguration? = nil) {
        self.tls = tls
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.timeoutMs = timeoutMs
        self.maxIdle = maxIdle
    }
}

public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    case timeout
    case connect(String)
    case io(String)
    case closed
    case protocolError(String)
    /// An error reply (`-ERR ...`) from the server: the connection itself is fine.
    case server(String)

    public var description: String {
        switch self {
        case .timeout: "timed out"
        case .connect(let s): "connect: \(s)"
        case .io(let s): "i/o: \(s)"
        case .closed: "connection closed by the server"
        case .protocolError(let s): "protocol: \(s)"
        case .server(let s): "server: \(s)"
        }
    }
}

/// One blocking connection; every wait is bounded by poll(2) with a deadline.
final class RedisConnection {
    let fd: Int32
    private var buffer: [UInt8] = []
    /// Set once the TLS handshake is done (`rediss://`); every byte then goes through it.
    private var tls: TLSChannel?

    private init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    static func open(_ o: RedisOptions, tls: TLSContext?, deadline: Double) throws(RedisError) -> RedisConnection {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(o.host, String(o.port), &hints, &result) == 0, let first = result else {
            throw .connect("cannot resolve \(o.host)")
        }
        defer { freeaddrinfo(result) }
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        var last: RedisError = .connect("no address for \(o.host)")
        while let info = cursor {
            cursor = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { continue }
            let conn = RedisConnection(fd: fd)
            var rc: Int32
            repeat { rc = Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) } while rc < 0 && errno == EINTR
            if rc < 0 {
                guard errno == EINPROGRESS else { last = .connect("\(o.host):\(o.port): \(String(cString: strerror(errno)))"); continue }
                do throws(RedisError) { try conn.wait(Int16(POLLOUT), deadline) } catch { last = error; continue }
                var soError: Int32 = 0
                var len = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
                guard soError == 0 else { last = .connect("\(o.host):\(o.port): \(String(cString: strerror(soError)))"); continue }
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if let tls {
                do throws(HTTPClientError) {
                    conn.tls = try TLSChannel(context: tls, fd: fd, host: o.host, deadline: deadline)
                } catch {
                    // A certificate the server cannot prove is a configuration error, not a slow server: no retry on another address.
                    throw error == .timeout ? .timeout : .connect("\(o.host):\(o.port): \(error)")
                }
            }
            if let password = o.password {
                let auth = o.username.map { ["AUTH", $0, password] } ?? ["AUTH", password]
                // The reply may echo nothing of the password; the error text is the server's.
                if case .error(let e) = try conn.call(auth, deadline: deadline) { throw .server("AUTH refused: \(e)") }
            }
            if o.database != 0, case .error(let e) = try conn.call(["SELECT", String(o.database)], deadline: deadline) {
                throw .server("SELECT refused: \(e)")
            }
            return conn
        }
        throw last
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    private func wait(_ events: Int16, _ deadline: Double) throws(RedisError) {
        while true {
            let left = deadline - Self.now()
            guard left > 0 else { throw .timeout }
            var pfd = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&pfd, 1, Int32(max(1, (left * 1000).rounded(.up))))
            if rc < 0 {
                if errno == EINTR { continue }
                throw .io("poll: \(String(cString: strerror(errno)))")
            }
            if rc > 0 { return }
        }
    }

    func send(_ bytes: [UInt8], deadline: Double) throws(RedisError) {
        var sent = 0
        if let tls {
            while sent < bytes.count {
                let result = bytes.withUnsafeBytes { raw in
                    Result { () throws(HTTPClientError) -> Int in try tls.write(UnsafeRawBufferPointer(rebasing: raw[sent...]), deadline: deadline) }
                }
                do { sent += try result.get() } catch { throw Self.redisError(error) }
            }
            return
        }
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n >= 0 { sent += n; continue }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: try wait(Int16(POLLOUT), deadline)
            default: throw .io("send: \(String(cString: strerror(errno)))")
            }
        }
    }

    func read(deadline: Double) throws(RedisError) -> RESPValue {
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            do throws(RESPError) {
                if let parsed = try RESP.parse(buffer) {
                    buffer.removeFirst(parsed.1)
                    return parsed.0
                }
            } catch {
                throw .protocolError("\(error)")
            }
            if let tls {
                let result = chunk.withUnsafeMutableBytes { raw in
                    Result { () throws(HTTPClientError) -> Int in try tls.read(into: raw, deadline: deadline) }
                }
                let n: Int
                do { n = try result.get() } catch { throw Self.redisError(error) }
                guard n > 0 else { throw .closed }
                buffer.append(contentsOf: chunk[0..<n])
                continue
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { buffer.append(contentsOf: chunk[0..<n]); continue }
            if n == 0 { throw .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: try wait(Int16(POLLIN), deadline)
            default: throw .io("recv: \(String(cString: strerror(errno)))")
            }
        }
    }

    private static func redisError(_ e: HTTPClientError) -> RedisError {
        e == .timeout ? .timeout : .io("\(e)")
    }

    func call(_ args: [String], deadline: Double) throws(RedisError) -> RESPValue {
        try send(RESP.encode(args), deadline: deadline)
        return try read(deadline: deadline)
    }

    /// Several commands in one write, their replies read in order: one round trip.
    func pipeline(_ commands: [[String]], deadline: Double) throws(RedisError) -> [RESPValue] {
        try send(commands.flatMap { RESP.encode($0) }, deadline: deadline)
        var replies: [RESPValue] = []
        for _ in commands { replies.append(try read(deadline: deadline)) }
        return replies
    }

    /// Nothing unread and the peer has not closed: safe to reuse.
    var isReusable: Bool {
        guard buffer.isEmpty else { return false }
        if let tls { return tls.isIdleAndOpen }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
    }
}

/// A small pool of blocking connections. A call takes an idle connection (or opens one), runs
/// its command(s) within `timeoutMs`, and gives it back; a connection that failed in any way
/// (timeout, reset, bad reply) is closed, never reused, so the next call reconnects.
public final class RedisClient: Sendable {
    public let options: RedisOptions
    private let idle = Mutex<[RedisConnectionBox]>([])
    /// Built once (it reads the CA bundle), shared by every connection.
    private let tls: TLSContext?

    /// Throws only for TLS settings that cannot work (an unreadable CA file or client key).
    public init(options: RedisOptions) throws(RedisError) {
        self.options = options
        do throws(HTTPClientError) { tls = try options.tls.map { c throws(HTTPClientError) in try TLSContext(c) } } catch {
            throw .connect("\(error)")
        }
    }

    public func call(_ args: [String]) throws(RedisError) -> RESPValue {
        try pipeline([args])[0]
    }

    /// Runs commands in one round trip. Error replies are returned as `.error`, not thrown.
    public func pipeline(_ commands: [[String]]) throws(RedisError) -> [RESPValue] {
        let deadline = RedisConnection.now() + Double(options.timeoutMs) / 1000
        let pooled = idle.withLock { $0.popLast() }
        let conn: RedisConnection
        if let pooled, pooled.connection.isReusable { conn = pooled.connection } else { conn = try RedisConnection.open(options, tls: tls, deadline: deadline) }
        let replies = try conn.pipeline(commands, deadline: deadline)
        let box = RedisConnectionBox(conn)
        idle.withLock { if $0.count < options.maxIdle { $0.append(box) } }
        return replies
    }

    /// Closes idle connections (the next call reconnects).
    public func reset() { idle.withLock { $0.removeAll() } }
}

final class RedisConnectionBox: @unchecked Sendable {
    // Only ever used by the one thread that took it out of the pool.
    let connection: RedisConnection
    init(_ c: RedisConnection) { connection = c }
}
