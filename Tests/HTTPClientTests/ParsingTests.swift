import Testing
@testable import HTTPClient

@Suite struct URLTests {
    @Test func basics() throws {
        let url = try HTTPURL("http://Example.COM:8080/a/b?x=1#frag")
        #expect(url.scheme == .http)
        #expect(url.host == "example.com")
        #expect(url.port == 8080)
        #expect(url.target == "/a/b?x=1")
        #expect(url.hostHeader == "example.com:8080")
    }

    @Test func defaultsAndEmptyPath() throws {
        let a = try HTTPURL("https://kubernetes.default.svc")
        #expect(a.port == 443 && a.target == "/" && a.hostHeader == "kubernetes.default.svc")
        let b = try HTTPURL("http://h?q=1")
        #expect(b.target == "/?q=1" && b.port == 80)
        let c = try HTTPURL("HTTP://h:/x")
        #expect(c.port == 80 && c.scheme == .http)
    }

    @Test func ipv6Literals() throws {
        let url = try HTTPURL("http://[::1]:9000/mcp")
        #expect(url.host == "::1" && url.port == 9000 && url.target == "/mcp")
        #expect(url.hostHeader == "[::1]:9000")
        #expect(url.hostIsIPAddress)
        let b = try HTTPURL("https://[2001:DB8::5]/")
        #expect(b.host == "2001:db8::5" && b.port == 443 && b.hostHeader == "[2001:db8::5]")
    }

    @Test func rejects() {
        for bad in ["ftp://h/", "h/x", "http://", "http://:80/", "http://h:0/", "http://h:65536/", "http://h:x/",
                    "http://u:p@h/", "http://[::1/", "http://[nothex]/", "http://[::1]x/", "http://h/a b",
                    "http://h/é", "http://ho st/", "http://h:1:2/"] {
            #expect(throws: HTTPClientError.self, "\(bad)") { _ = try HTTPURL(bad) }
        }
    }
}

@Suite struct RequestEncoderTests {
    @Test func getHasHostAndKeepAliveButNoLength() throws {
        let req = try HTTPRequest(url: "http://h:81/p?q", headers: [("Accept", "text/event-stream"), ("X-A", "1")])
        let text = String(decoding: try RequestEncoder.encode(req), as: UTF8.self)
        #expect(text == "GET /p?q HTTP/1.1\r\nHost: h:81\r\nAccept: text/event-stream\r\nX-A: 1\r\nConnection: keep-alive\r\n\r\n")
    }

    @Test func postHasContentLengthAndBody() throws {
        let req = try HTTPRequest(method: "POST", url: "https://h/mcp", headers: [("Content-Type", "application/json")], body: Array("{}".utf8))
        let text = String(decoding: try RequestEncoder.encode(req), as: UTF8.self)
        #expect(text == "POST /mcp HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}")
        let empty = try HTTPRequest(method: "POST", url: "http://h/")
        #expect(String(decoding: try RequestEncoder.encode(empty), as: UTF8.self).contains("Content-Length: 0\r\n"))
    }

    @Test func callerHeadersReplaceDefaults() throws {
        let req = try HTTPRequest(url: "http://h/", headers: [("host", "other"), ("Connection", "close")])
        let text = String(decoding: try RequestEncoder.encode(req), as: UTF8.self)
        #expect(text == "GET / HTTP/1.1\r\nhost: other\r\nConnection: close\r\n\r\n")
        #expect(req.asksToClose)
    }

    @Test func idempotencyDefaultsFromMethod() throws {
        #expect(try HTTPRequest(url: "http://h/").isIdempotent)
        #expect(try HTTPRequest(method: "PUT", url: "http://h/").isIdempotent)
        #expect(try !HTTPRequest(method: "POST", url: "http://h/").isIdempotent)
        #expect(try HTTPRequest(method: "POST", url: "http://h/", idempotent: true).isIdempotent)
    }

    @Test func rejectsInjection() throws {
        let cases: [HTTPRequest] = [
            try HTTPRequest(url: "http://h/", headers: [("X", "a\r\nEvil: 1")]),
            try HTTPRequest(url: "http://h/", headers: [("X Y", "a")]),
            try HTTPRequest(url: "http://h/", headers: [("", "a")]),
            try HTTPRequest(method: "GE T", url: "http://h/"),
            try HTTPRequest(url: "http://h/", headers: [("Transfer-Encoding", "chunked")]),
            try HTTPRequest(method: "POST", url: "http://h/", headers: [("Content-Length", "5")], body: [1]),
        ]
        for req in cases {
            #expect(throws: HTTPClientError.self) { _ = try RequestEncoder.encode(req) }
        }
    }
}

@Suite struct ResponseParserTests {
    /// Parses `text` fed in one piece and byte by byte; both must agree.
    private func parse(_ text: String, method: String = "GET", eof: Bool = false) throws -> (HTTPResponseHead?, [UInt8], ended: Bool, keepAlive: Bool) {
        var results: [(HTTPResponseHead?, [UInt8], Bool, Bool)] = []
        for piece in [0, 1] {
            var parser = ResponseParser(requestMethod: method)
            var head: HTTPResponseHead?
            var body: [UInt8] = []
            var ended = false
            func drain() throws {
                while let event = try parser.next() {
                    switch event {
                    case .head(let h): head = h
                    case .body(let b): body += b
                    case .end: ended = true
                    }
                }
            }
            let bytes = Array(text.utf8)
            if piece == 0 {
                parser.append(bytes)
                try drain()
            } else {
                for b in bytes { parser.append([b]); try drain() }
            }
            if eof, !ended, let event = try parser.finishInput(), case .end = event { ended = true }
            results.append((head, body, ended, parser.keepAlive))
        }
        #expect(results[0].0?.status == results[1].0?.status)
        #expect(results[0].1 == results[1].1)
        #expect(results[0].2 == results[1].2)
        return (results[0].0, results[0].1, results[0].2, results[0].3)
    }

    @Test func contentLength() throws {
        let r = try parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a\r\nSET-COOKIE: b\r\n\r\nhello")
        #expect(r.0?.status == 200 && r.0?.reason == "OK")
        #expect(r.0?.headers(named: "set-cookie") == ["a", "b"])
        #expect(r.0?.headers.map(\.0) == ["content-length", "set-cookie", "set-cookie"])
        #expect(r.1 == Array("hello".utf8) && r.ended && r.keepAlive)
    }

    @Test func chunkedWithExtensionsAndTrailers() throws {
        let r = try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5;a=b\r\nhello\r\nA \r\n, world!!!\r\n0\r\nX-T: 1\r\nY: 2\r\n\r\n")
        #expect(String(decoding: r.1, as: UTF8.self) == "hello, world!!!")
        #expect(r.ended && r.keepAlive)
    }

    @Test func interimResponsesAreSkipped() throws {
        let r = try parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
        #expect(r.0?.status == 201 && r.1 == Array("ok".utf8) && r.ended)
    }

    @Test func noBodyCases() throws {
        let head = try parse("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", method: "HEAD")
        #expect(head.ended && head.1.isEmpty && head.keepAlive)
        let noContent = try parse("HTTP/1.1 204 No Content\r\n\r\n")
        #expect(noContent.ended && noContent.keepAlive)
        let notModified = try parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n")
        #expect(notModified.ended)
    }

    @Test func readUntilClose() throws {
        let open = try parse("HTTP/1.1 200 OK\r\n\r\nsome body")
        #expect(!open.ended && open.1 == Array("some body".utf8))
        let closed = try parse("HTTP/1.1 200 OK\r\n\r\nsome body", eof: true)
        #expect(closed.ended && !closed.keepAlive)
    }

    @Test func keepAliveRules() throws {
        #expect(try !parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keepAlive)
        #expect(try !parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keepAlive)
        #expect(try parse("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n").keepAlive)
        // Transfer-Encoding plus Content-Length: framed by chunked, connection not trusted.
        #expect(try !parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n").keepAlive)
    }

    @Test func bareLFAndFolding() throws {
        let r = try parse("HTTP/1.1 200 OK\nContent-Length: 2\nX-Long: a\n  b\n\nok")
        #expect(r.0?.header("x-long") == "a b" && r.1 == Array("ok".utf8))
    }

    @Test func malformed() {
        let cases = ["NOT HTTP\r\n\r\n", "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
                     "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc",
                     "HTTP/1.1 101 Switching Protocols\r\n\r\n"]
        for text in cases {
            #expect(throws: HTTPClientError.self, "\(text.debugDescription)") { _ = try parse(text) }
        }
    }

    @Test func truncatedBodyIsClosedEarly() {
        #expect(throws: HTTPClientError.closedEarly) { _ = try parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", eof: true) }
        #expect(throws: HTTPClientError.closedEarly) { _ = try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", eof: true) }
    }

    @Test func headTooLarge() {
        var parser = ResponseParser(requestMethod: "GET", maxHeadSize: 128)
        parser.append(Array(("HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 200)).utf8))
        #expect(throws: HTTPClientError.self) { _ = try parser.next() }
    }

    @Test func extraBytesAfterResponseAreDetected() throws {
        var parser = ResponseParser(requestMethod: "GET")
        parser.append(Array("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1".utf8))
        var ended = false
        while let event = try parser.next() { if case .end = event { ended = true } }
        #expect(ended && parser.hasUnconsumedBytes)
    }
}
