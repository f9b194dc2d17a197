#if canImport(Glibc)
import Glibc
#endif
import AdminHTTP
import Dispatch
import HTTP2
import Logging
import Testing

/// A `.deferred` response is made off the loop: while it is being made the loop serves other
/// connections, and requests pipelined behind it on the same connection are answered after it,
/// in order (HTTP/1.1).
struct DeferredResponseTests {
    static func connect(_ port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        precondition(rc == 0, "connect failed")
        return fd
    }

    static func send(_ fd: Int32, _ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { Glibc.send(fd, $0.baseAddress, $0.count - 1, 0) }
    }

    /// Reads until `count` complete responses (each with a content-length body) arrived; returns their bodies.
    static func read(_ fd: Int32, responses count: Int) -> [String] {
        var data: [UInt8] = []
        var bodies: [String] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while bodies.count < count {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            data += buf[0..<n]
            while let end = data.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).lowercased()
                guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                      let length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)),
                      data.count >= end.upperBound + length else { break }
                bodies.append(String(decoding: data[end.upperBound..<(end.upperBound + length)], as: UTF8.self))
                data.removeFirst(end.upperBound + length)
            }
        }
        return bodies
    }

    @Test func deferredResponsesKeepOrderAndDoNotHoldTheLoop() throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.stop() }
        let release = DispatchSemaphore(value: 0)
        let server = AdminServer.make(address: ListenAddress(host: "127.0.0.1", port: 0), group: group, logger: Logger(component: "test")) { request in
            switch request.path {
            case "/slow":
                return .deferred { respond in
                    DispatchQueue.global().async {
                        release.wait()
                        respond(AdminResponse(status: 200, body: "slow"))
                    }
                }
            default:
                return .response(AdminResponse(status: 200, body: "fast \(request.path)"))
            }
        }
        try server.start()
        defer { server.shutdown(deadline: 0.1) }
        let a = Self.connect(server.port)
        defer { close(a) }
        // Pipelined: the second waits for the first, whose response is being made elsewhere.
        Self.send(a, "GET /slow HTTP/1.1\r\nhost: x\r\n\r\nGET /after HTTP/1.1\r\nhost: x\r\n\r\n")
        // Meanwhile the (only) loop answers another connection at once.
        let b = Self.connect(server.port)
        defer { close(b) }
        Self.send(b, "GET /other HTTP/1.1\r\nhost: x\r\n\r\n")
        #expect(Self.read(b, responses: 1) == ["fast /other"])
        release.signal()
        #expect(Self.read(a, responses: 2) == ["slow", "fast /after"])
    }
}
