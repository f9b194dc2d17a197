/// An incremental HTTP/1.1 response parser: bytes in, head/body/end events out.
///
/// Framing per RFC 9112 §6.3: no body for HEAD, 1xx, 204 and 304; chunked when it is the last
/// transfer coding; otherwise Content-Length; otherwise the body runs until the server closes.
/// Interim 1xx responses are skipped. Every buffer it keeps is bounded, so a hostile or broken
/// server cannot grow memory without limit (the caller bounds the body it accumulates).
struct ResponseParser {
    enum Event {
        case head(HTTPResponseHead)
        case body([UInt8])
        case end
    }

    private enum State {
        case head
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        case complete
        case finished
    }

    private static let maxChunkLine = 4096
    private static let cr: UInt8 = 0x0D, lf: UInt8 = 0x0A

    private var state = State.head
    private var buffer: [UInt8] = []
    private var index = 0
    /// In `.head`: bytes after `index` already scanned for the blank line, and where the current
    /// line starts (both relative to `index`), so a head arriving byte by byte is scanned once.
    private var headScanned = 0
    private var headLineStart = 0
    private var trailerBytes = 0
    private let isHeadRequest: Bool
    private let maxHeadSize: Int

    /// Whether any byte of the response arrived: before that, a dead pooled connection is safe
    /// to retry; after it, never.
    private(set) var receivedAnyBytes = false
    /// After `.end`: whether the connection may carry another request.
    private(set) var keepAlive = false

    init(requestMethod: String, maxHeadSize: Int = 64 * 1024) {
        self.isHeadRequest = requestMethod.uppercased() == "HEAD"
        self.maxHeadSize = maxHeadSize
    }

    /// Bytes that arrived but were not consumed: after `.end` they mean the server sent more than
    /// one response, and the connection must not be reused.
    var hasUnconsumedBytes: Bool { index < buffer.count }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        receivedAnyBytes = true
        if index == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 256 * 1024)
            index = 0
        } else if index > 64 * 1024 && index > buffer.count / 2 {
            buffer.removeSubrange(0..<index)
            index = 0
        }
        buffer.append(contentsOf: bytes)
    }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next event, or nil when more input is needed.
    mutating func next() throws(HTTPClientError) -> Event? {
        while true {
            switch state {
            case .head:
                guard let head = try parseHead() else { return nil }
                if let event = head { return event }
                continue  // an interim 1xx response was skipped
            case .fixed(let remaining):
                if remaining == 0 { state = .complete; continue }
                guard index < buffer.count else { return nil }
                let take = min(remaining, buffer.count - index)
                let chunk = Array(buffer[index..<index + take])
                index += take
                state = remaining == take ? .complete : .fixed(remaining: remaining - take)
                return .body(chunk)
            case .chunkSize:
                guard let line = try takeLine(limit: Self.maxChunkLine, what: "chunk size line") else { return nil }
                let size = try Self.parseChunkSize(line)
                state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                guard index < buffer.count else { return nil }
                let take = min(remaining, buffer.count - index)
                let chunk = Array(buffer[index..<index + take])
                index += take
                state = remaining == take ? .chunkDataEnd : .chunkData(remaining: remaining - take)
                return .body(chunk)
            case .chunkDataEnd:
                guard index < buffer.count else { return nil }
                if buffer[index] == Self.lf {
                    index += 1
                } else if buffer[index] == Self.cr {
                    guard index + 1 < buffer.count else { return nil }
                    guard buffer[index + 1] == Self.lf else { throw .malformedResponse("no CRLF after chunk data") }
                    index += 2
                } else {
                    throw .malformedResponse("no CRLF after chunk data")
                }
                state = .chunkSize
            case .trailers:
                // Trailers are read and ignored: nothing the gateway calls needs them.
                let before = index
                guard let line = try takeLine(limit: maxHeadSize, what: "trailer") else { return nil }
                trailerBytes += index - before
                if trailerBytes > maxHeadSize { throw .malformedResponse("trailers exceed \(maxHeadSize) bytes") }
                if line.isEmpty { state = .complete }
            case .untilClose:
                guard index < buffer.count else { return nil }
                let chunk = Array(buffer[index...])
                index = buffer.count
                return .body(chunk)
            case .complete:
                state = .finished
                return .end
            case .finished:
                return nil
            }
        }
    }

    /// The server closed the connection. Ends a read-until-close body; anywhere else the
    /// response was cut short.
    mutating func finishInput() throws(HTTPClientError) -> Event? {
        switch state {
        case .untilClose:
            state = .finished
            return .end
        case .complete:
            state = .finished
            return .end
        case .finished:
            return nil
        default:
            throw .closedEarly
        }
    }

    // MARK: - Head

    /// nil: need more bytes. `.some(nil)`: a 1xx was skipped. `.some(event)`: the head.
    private mutating func parseHead() throws(HTTPClientError) -> Event?? {
        var pos = index + headScanned
        var lineStart = index + headLineStart
        var end: Int?
        while pos < buffer.count {
            if buffer[pos] == Self.lf {
                var lineEnd = pos
                if lineEnd > lineStart && buffer[lineEnd - 1] == Self.cr { lineEnd -= 1 }
                if lineEnd == lineStart {
                    if lineStart == index {
                        // Tolerate stray blank lines before a status line (some servers send an
                        // extra CRLF after a body).
                        index = pos + 1
                        lineStart = index
                        pos += 1
                        continue
                    }
                    end = pos + 1
                    break
                }
                lineStart = pos + 1
            }
            pos += 1
        }
        guard let headEnd = end else {
            if buffer.count - index > maxHeadSize { throw .malformedResponse("response head exceeds \(maxHeadSize) bytes") }
            headScanned = pos - index
            headLineStart = lineStart - index
            return nil
        }
        if headEnd - index > maxHeadSize { throw .malformedResponse("response head exceeds \(maxHeadSize) bytes") }
        let text = String(decoding: buffer[index..<headEnd], as: UTF8.self)
        index = headEnd
        headScanned = 0
        headLineStart = 0
        let head = try Self.parseHeadText(text)
        if head.status >= 100 && head.status < 200 {
            if head.status == 101 { throw .malformedResponse("unexpected 101 Switching Protocols") }
            return .some(nil)
        }
        try chooseFraming(head)
        return .some(.head(head))
    }

    private static func parseHeadText(_ text: String) throws(HTTPClientError) -> HTTPResponseHead {
        // Swift reads "\r\n" as one Character, so split on either form of line end.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { line -> Substring in line.hasSuffix("\r") ? line.dropLast() : line }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        guard let statusLine = lines.first else { throw .malformedResponse("empty head") }
        // HTTP/1.x SP 3DIGIT [SP reason]
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[0].count == 8,
              let minor = Int(parts[0].dropFirst(7)), minor == 0 || minor == 1 else {
            throw .malformedResponse("bad status line \"\(statusLine.prefix(80))\"")
        }
        guard parts[1].count == 3, parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let status = Int(parts[1]), status >= 100 else {
            throw .malformedResponse("bad status code in \"\(statusLine.prefix(80))\"")
        }
        let reason = parts.count > 2 ? String(parts[2]) : ""
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            if line.first == " " || line.first == "\t" {
                // Obsolete line folding: join to the previous value, as RFC 9112 §5.2 allows.
                guard !headers.isEmpty else { throw .malformedResponse("continuation line before any header") }
                headers[headers.count - 1].1 += " " + line.trimmingSpaces()
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                throw .malformedResponse("header line without a colon: \"\(line.prefix(80))\"")
            }
            let name = line[..<colon]
            guard !name.isEmpty, name.utf8.allSatisfy(RequestEncoder.isTokenChar) else {
                throw .malformedResponse("bad header name \"\(name.prefix(80))\"")
            }
            headers.append((name.lowercased(), line[line.index(after: colon)...].trimmingSpaces()))
        }
        return HTTPResponseHead(status: status, reason: reason, minorVersion: minor, headers: headers)
    }

    private mutating func chooseFraming(_ head: HTTPResponseHead) throws(HTTPClientError) {
        let connectionTokens = head.headers(named: "connection").flatMap(HTTPHeaderTokens.split)
        keepAlive = head.minorVersion == 1 ? !connectionTokens.contains("close") : connectionTokens.contains("keep-alive")

        if isHeadRequest || head.status == 204 || head.status == 304 {
            state = .complete
            return
        }
        let codings = head.headers(named: "transfer-encoding").flatMap(HTTPHeaderTokens.split)
        if !codings.isEmpty {
            if codings.last == "chunked" {
                // A Content-Length next to Transfer-Encoding is a smuggling tell: use chunked
                // framing as the RFC says, but do not trust the connection afterwards.
                if head.header("content-length") != nil { keepAlive = false }
                state = .chunkSize
            } else {
                keepAlive = false
                state = .untilClose
            }
            return
        }
        let lengths = head.headers(named: "content-length").flatMap { $0.split(separator: ",").map { $0.trimmingSpaces() } }
        if let first = lengths.first {
            guard lengths.allSatisfy({ $0 == first }), !first.isEmpty, first.count <= 18,
                  first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = Int(first) else {
                throw .malformedResponse("bad Content-Length \(lengths)")
            }
            state = .fixed(remaining: length)
            return
        }
        keepAlive = false
        state = .untilClose
    }

    // MARK: - Lines

    /// The next LF-terminated line without its CR/LF, or nil if it has not fully arrived.
    private mutating func takeLine(limit: Int, what: String) throws(HTTPClientError) -> ArraySlice<UInt8>? {
        guard let lfIndex = buffer[index...].firstIndex(of: Self.lf) else {
            if buffer.count - index > limit { throw .malformedResponse("\(what) exceeds \(limit) bytes") }
            return nil
        }
        if lfIndex - index > limit { throw .malformedResponse("\(what) exceeds \(limit) bytes") }
        var end = lfIndex
        if end > index && buffer[end - 1] == Self.cr { end -= 1 }
        let line = buffer[index..<end]
        index = lfIndex + 1
        return line
    }

    /// `1*HEXDIG [ BWS ; chunk-ext ]`; extensions are ignored.
    private static func parseChunkSize(_ line: ArraySlice<UInt8>) throws(HTTPClientError) -> Int {
        var value = 0
        var digits = 0
        var i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            let digit: Int
            switch c {
            case 0x30...0x39: digit = Int(c - 0x30)
            case 0x41...0x46: digit = Int(c - 0x41 + 10)
            case 0x61...0x66: digit = Int(c - 0x61 + 10)
            default: digit = -1
            }
            if digit < 0 { break }
            digits += 1
            guard digits <= 15 else { throw .malformedResponse("chunk size too large") }
            value = value * 16 + digit
            i += 1
        }
        guard digits > 0 else { throw .malformedResponse("bad chunk size line") }
        while i < line.endIndex, line[i] == 0x20 || line[i] == 0x09 { i += 1 }
        guard i == line.endIndex || line[i] == UInt8(ascii: ";") else { throw .malformedResponse("bad chunk size line") }
        return value
    }
}
