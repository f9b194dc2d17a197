import Testing
@testable import AdminHTTP

@Suite struct HTTP1RequestParserTests {
    func parse(_ text: String, chunk: Int = .max) throws -> [AdminRequest] {
        var parser = HTTP1RequestParser()
        var out: [AdminRequest] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            parser.append(bytes[i..<min(bytes.count, i + chunk)])
            i += chunk
            while let r = try parser.next() { out.append(r) }
        }
        return out
    }

    @Test(arguments: [1, 3, 1000])
    func pipelinedRequestsInAnyChunking(chunk: Int) throws {
        let text = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nPOST /mcp?x=1 HTTP/1.1\r\nContent-Length: 5\r\nMcp-Session-Id: abc\r\n\r\nhelloGET /healthz HTTP/1.0\r\n\r\n"
        let requests = try parse(text, chunk: chunk)
        #expect(requests.map(\.method) == ["GET", "POST", "GET"])
        #expect(requests[1].path == "/mcp" && requests[1].target == "/mcp?x=1")
        #expect(requests[1].body == Array("hello".utf8))
        #expect(requests[1].header("MCP-SESSION-ID") == "abc")
    }

    @Test(arguments: [1, 2, 7, 1000])
    func chunkedBodiesAreDecoded(chunk: Int) throws {
        let text = "POST /mcp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n"
        let requests = try parse(text, chunk: chunk)
        #expect(requests.count == 2)
        #expect(requests[0].body == Array("hello, world".utf8))
        #expect(requests[1].path == "/healthz")
    }

    @Test func incompleteRequestWaits() throws {
        var parser = HTTP1RequestParser()
        parser.append(Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8))
        #expect(try parser.next() == nil)
    }

    @Test(arguments: [
        ("GARBAGE\r\n\r\n", HTTP1RequestParser.ParseError.malformedRequestLine),
        ("GET / HTTP/2.0\r\n\r\n", .unsupportedVersion),
        ("GET / HTTP/1.1\r\nno colon here\r\n\r\n", .malformedHeader),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", .unsupportedTransferEncoding),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .malformedHeader),
        ("POST / HTTP/1.1\r\nContent-Length: -3\r\n\r\n", .malformedHeader),
        ("POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", .bodyTooLarge),
    ])
    func malformedRequestsAreRefused(text: String, error: HTTP1RequestParser.ParseError) {
        #expect(throws: error) { try parse(text) }
    }

    @Test func oversizedHeadersAreRefusedBeforeTheEnd() {
        var parser = HTTP1RequestParser(maxHeaderBytes: 64)
        parser.append(Array(("GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 100)).utf8))
        #expect(throws: HTTP1RequestParser.ParseError.headersTooLarge) { try parser.next() }
    }
}

@Suite struct HTTP1RequestParserBoundTests {
    @Test func endlessChunkTrailersAreCutOff() {
        var parser = HTTP1RequestParser(maxHeaderBytes: 1024, maxBodyBytes: 1024)
        parser.append(Array("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n".utf8))
        #expect(throws: Never.self) { try parser.next() }
        for _ in 0..<2000 { parser.append(Array("X-Trailer: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".utf8)) }
        #expect(throws: HTTP1RequestParser.ParseError.bodyTooLarge) { try parser.next() }
    }
}
