import RedisClient
import Testing

struct RESPTests {
    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func encodesCommandsAsArraysOfBulkStrings() {
        #expect(RESP.encode(["SET", "k", "v"]) == Self.bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"))
        #expect(RESP.encode(["ECHO", ""]) == Self.bytes("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"))
        // Binary-safe: CRLF inside an argument is counted, not escaped or interpreted.
        #expect(RESP.encode(["a\r\nb"]) == Self.bytes("*1\r\n$4\r\na\r\nb\r\n"))
        #expect(RESP.encode(["é"]) == Self.bytes("*1\r\n$2\r\né\r\n"))
    }

    @Test func parsesEveryReplyType() throws {
        let cases: [(String, RESPValue)] = [
            ("+OK\r\n", .simple("OK")),
            ("-ERR wrong\r\n", .error("ERR wrong")),
            (":42\r\n", .integer(42)),
            (":-7\r\n", .integer(-7)),
            ("$5\r\nhello\r\n", .bulk(Self.bytes("hello"))),
            ("$0\r\n\r\n", .bulk([])),
            ("$-1\r\n", .bulk(nil)),
            ("*-1\r\n", .array(nil)),
            ("*0\r\n", .array([])),
            ("$4\r\na\r\nb\r\n", .bulk(Self.bytes("a\r\nb"))),
            ("*3\r\n:1\r\n$1\r\nx\r\n*2\r\n+a\r\n$-1\r\n", .array([.integer(1), .bulk(Self.bytes("x")), .array([.simple("a"), .bulk(nil)])])),
        ]
        for (wire, want) in cases {
            let parsed = try RESP.parse(Self.bytes(wire))
            #expect(parsed?.0 == want, "\(wire)")
            #expect(parsed?.1 == wire.utf8.count, "\(wire)")
        }
    }

    @Test func everyPrefixOfAReplyIsIncompleteNotAnError() throws {
        let wire = Self.bytes("*4\r\n+OK\r\n:12\r\n$5\r\nhe\r\no\r\n*1\r\n-ERR x\r\n")
        for cut in 0..<wire.count {
            #expect(try RESP.parse(Array(wire[0..<cut])) == nil, "cut at \(cut)")
        }
        #expect(try RESP.parse(wire)?.1 == wire.count)
    }

    @Test func pipelinedRepliesParseOneAfterAnother() throws {
        let wire = Self.bytes("+OK\r\n:1\r\n$-1\r\n")
        var at = 0
        var values: [RESPValue] = []
        while let (v, next) = try RESP.parse(wire, from: at).map({ ($0.0, $0.1) }) {
            values.append(v)
            at = next
        }
        #expect(values == [.simple("OK"), .integer(1), .bulk(nil)])
    }

    @Test func malformedInputIsRejected() {
        for bad in ["?x\r\n", ":abc\r\n", ":\r\n", "$-2\r\n", "*-5\r\n", "$3\r\nabcd\r\n", "+OK\rX", "+OK\n",
                    ":99999999999999999999999\r\n", "$x\r\n"] {
            #expect(throws: RESPError.self, "\(bad)") { try RESP.parse(Self.bytes(bad)) }
        }
        #expect(throws: RESPError.tooLarge) { try RESP.parse(Self.bytes("$100\r\n"), maxBulk: 10) }
        let deep = String(repeating: "*1\r\n", count: 20) + ":1\r\n"
        #expect(throws: RESPError.self) { try RESP.parse(Self.bytes(deep)) }
    }

    @Test func stringAccessors() {
        #expect(RESPValue.bulk(Self.bytes("v")).string == "v")
        #expect(RESPValue.simple("OK").string == "OK")
        #expect(RESPValue.integer(3).string == "3")
        #expect(RESPValue.bulk(nil).string == nil)
        #expect(RESPValue.bulk(nil).isNil && RESPValue.array(nil).isNil && !RESPValue.bulk([]).isNil)
    }

    @Test func unreachableServerFailsWithinTheTimeout() {
        // Port 1 on localhost: refused at once. A black hole would time out; both fail bounded.
        let client = try! RedisClient(options: RedisOptions(host: "127.0.0.1", port: 1, timeoutMs: 50))
        #expect(throws: RedisError.self) { try client.call(["PING"]) }
    }
}

#if canImport(Glibc)
import Glibc

struct RedisClientTimeoutTests {
    /// A listener that accepts (the kernel completes the handshake) but never answers: the call
    /// must fail with `.timeout` close to `timeoutMs`, not hang.
    @Test func silentServerTimesOut() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        #expect(bound == 0)
        #expect(listen(fd, 8) == 0)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let port = UInt16(bigEndian: addr.sin_port)
        let client = try RedisClient(options: RedisOptions(host: "127.0.0.1", port: port, timeoutMs: 80))
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let start = Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        #expect(throws: RedisError.timeout) { try client.call(["PING"]) }
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let elapsed = Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9 - start
        #expect(elapsed >= 0.07 && elapsed < 1.0, "\(elapsed)")
    }
}
#endif
