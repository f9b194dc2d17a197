#if canImport(Glibc)
import Glibc
#endif

/// Where a server listens: `host:port`, parsed from a flag such as `:50051` or `127.0.0.1:9090`, or
/// a Unix domain socket, `unix:/path` (only processes that may open the file can connect: a way to
/// make sure the gRPC port's only peer is Envoy).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16
    /// Set for a Unix domain socket (then `host` and `port` are unused).
    public var unixPath: String?

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public init(unixPath: String) {
        self.host = "unix"
        self.port = 0
        self.unixPath = unixPath
    }

    /// Accepts `:PORT` (all interfaces), `HOST:PORT`, `[V6]:PORT`, `unix:/absolute/path`.
    public init?(parsing text: String) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            // sockaddr_un holds 108 bytes including the terminating NUL.
            guard path.hasPrefix("/"), path.utf8.count < 108, !path.utf8.contains(0) else { return nil }
            self.init(unixPath: path)
            return
        }
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.init(host: host.isEmpty ? "0.0.0.0" : host, port: port)
    }

    public var description: String {
        if let unixPath { return "unix:\(unixPath)" }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

enum Socket {
    /// A non-blocking listening socket. SO_REUSEADDR so a restart does not wait out TIME_WAIT.
    static func listen(_ address: ListenAddress, backlog: Int32 = 4096) throws -> (fd: Int32, port: UInt16) {
        if let path = address.unixPath { return (try listenUnix(path, backlog: backlog), 0) }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(address.host, String(address.port), &hints, &result)
        guard rc == 0, let info = result else {
            throw SystemError(call: "getaddrinfo(\(address.host))", errno: EINVAL)
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError.call("socket", errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        try bindAndListen(fd, info.pointee.ai_addr, info.pointee.ai_addrlen, name: address.description, backlog: backlog)
        return (fd, boundPort(fd))
    }

    /// Binds and listens; on failure closes `fd` and throws naming the address.
    private static func bindAndListen(_ fd: Int32, _ addr: UnsafePointer<sockaddr>?, _ len: socklen_t, name: String,
                                      backlog: Int32) throws {
        guard bind(fd, addr, len) == 0 else {
            let e = errno
            close(fd)
            throw SystemError.call("bind(\(name))", e)
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let e = errno
            close(fd)
            throw SystemError.call("listen(\(name))", e)
        }
    }

    /// A listening Unix domain socket at `path`, readable and writable by the owner and group only
    /// (0660): the filesystem decides who may connect. A stale socket file left by a previous run is
    /// replaced; any other kind of file at the path is an error.
    static func listenUnix(_ path: String, backlog: Int32) throws -> Int32 {
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFSOCK else { throw SystemError.call("bind(unix:\(path)): not a socket file", EEXIST) }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError.call("socket(AF_UNIX)", errno) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        // Bound with the process umask (at most owner-writable: only the owner can connect meanwhile),
        // then opened to the group; the umask itself is process-wide and is left alone.
        try withUnsafePointer(to: &addr) {
            try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                try bindAndListen(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size), name: "unix:\(path)", backlog: backlog)
            }
        }
        guard chmod(path, 0o660) == 0 else {
            let e = errno
            close(fd)
            throw SystemError.call("chmod(unix:\(path))", e)
        }
        return fd
    }

    static func boundPort(_ fd: Int32) -> UInt16 {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { ptr -> UInt16 in
            if family == sa_family_t(AF_INET6) {
                return ptr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            return ptr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }

    /// The peer as `ip:port`, for log lines about bad peers.
    static func peerName(_ fd: Int32) -> String {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &len) }
        }
        guard ok == 0 else { return "unknown" }
        if storage.ss_family == sa_family_t(AF_UNIX) { return "unix" }
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var serv = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, len, &host, socklen_t(host.count), &serv, socklen_t(serv.count), NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard rc == 0 else { return "unknown" }
        return "\(String(cString: host)):\(String(cString: serv))"
    }

    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }
}
