import Testing
@testable import AdminHTTP

/// Inputs the `admin-http` fuzz target (Fuzz/, `make fuzz`) found; the parser must treat them
/// the same however the bytes are split into reads, and never trap.
@Suite struct AdminHTTPFuzzRegressionTests {
    func outcome(_ bytes: [UInt8], chunk: Int) -> (requests: [[UInt8]], error: HTTP1RequestParser.ParseError?) {
        var parser = HTTP1RequestParser(maxHeaderBytes: 512, maxBodyBytes: 1024)
        var bodies: [[UInt8]] = []
        var i = 0
        do {
            while i < bytes.count {
                parser.append(bytes[i..<min(bytes.count, i + chunk)])
                i += chunk
                while let r = try parser.next() { bodies.append(r.body) }
            }
        } catch {
            return (bodies, error)
        }
        return (bodies, nil)
    }

    // A chunk size of 7fffffffffffffff after a first chunk overflowed `body.count + size`.
    @Test(arguments: [1, 1000])
    func chunkSizeNearIntMax(chunk: Int) {
        let text = "POST /mcp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n7fffffffffffffff\r\n"
        let result = outcome(Array(text.utf8), chunk: chunk)
        #expect(result.error == .bodyTooLarge)
    }

    // A chunk-size line over 64 bytes was refused when it arrived in pieces, accepted whole.
    @Test(arguments: [1, 5, 1000])
    func longChunkSizeLineRefusedInAnyChunking(chunk: Int) {
        let text = "POST /mcp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;" + String(repeating: "e", count: 70) + "\r\nhello\r\n0\r\n\r\n"
        #expect(outcome(Array(text.utf8), chunk: chunk).error == .malformedHeader)
        // 64 bytes (incl. the extension) before the CRLF are fine, however they arrive.
        let ok = "POST /mcp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;" + String(repeating: "e", count: 62) + "\r\nhello\r\n0\r\n\r\n"
        let result = outcome(Array(ok.utf8), chunk: chunk)
        #expect(result.error == nil && result.requests == [Array("hello".utf8)])
    }

    // A head whose blank line ends exactly at maxHeaderBytes was refused (headersTooLarge) when
    // the last bytes of the CRLFCRLF were still in flight, accepted when they came together.
    @Test(arguments: [1, 3, 1000])
    func headAtTheLimitInAnyChunking(chunk: Int) {
        let line = "GET / HTTP/1.1\r\nX: "
        let head = line + String(repeating: "a", count: 512 - line.utf8.count)   // CRLFCRLF starts at 512
        #expect(head.utf8.count == 512)
        let result = outcome(Array((head + "\r\n\r\n").utf8), chunk: chunk)
        #expect(result.error == nil && result.requests.count == 1)
        let over = outcome(Array(("a" + head + "\r\n\r\n").utf8), chunk: chunk)
        #expect(over.error == .headersTooLarge)
    }
}
