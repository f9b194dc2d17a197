/// An incremental HTTP/1.1 request parser for the admin port.
///
/// Deliberately strict and small: request line, headers, and a body only by Content-Length
/// (chunked uploads are refused), with hard limits so a hostile peer cannot grow memory.
public struct HTTP1RequestParser {
    public enum ParseError: Error, Equatable, Sendable {
        case headersTooLarge
        case malformedRequestLine
        case malformedHeader
        case unsupportedTransferEncoding
        case bodyTooLarge
        case unsupportedVersion
    }

    public let maxHeaderBytes: Int
    public let maxBodyBytes: Int
    private var buffer: [UInt8] = []

    public init(maxHeaderBytes: Int = 16 * 1024, maxBodyBytes: Int = 1 << 20) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }

    public mutating func append(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete request, nil if more bytes are needed, or the error that ends the connection.
    public mutating func next() throws(ParseError) -> AdminRequest? {
        // Whatever the framing (chunk lines, trailers), one request never needs more than this:
        // a peer that keeps sending without completing one is cut off instead of growing memory.
        if buffer.count > maxHeaderBytes + 2 * maxBodyBytes + 64 * 1024 { throw .bodyTooLarge }
        guard let headerEnd = findHeaderEnd() else {
            // The blank line may still end at maxHeaderBytes if its last 3 bytes are in flight.
            if buffer.count > maxHeaderBytes + 3 { throw .headersTooLarge }
            return nil
        }
        if headerEnd > maxHeaderBytes { throw .headersTooLarge }
        let head = String(decoding: buffer[0..<headerEnd], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)[...]
        guard let requestLine = lines.popFirst() else { throw .malformedRequestLine }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[1].hasPrefix("/") || parts[1] == "*" else { throw .malformedRequestLine }
        guard parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0" else { throw .unsupportedVersion }
        var headers: [(String, String)] = []
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else { throw .malformedHeader }
            let name = line[..<colon].lowercased()
            guard !name.contains(" ") else { throw .malformedHeader }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
            headers.append((name, value))
        }
        if let te = headers.first(where: { $0.0 == "transfer-encoding" })?.1 {
            guard te.lowercased() == "chunked" else { throw .unsupportedTransferEncoding }
            guard let (body, consumed) = try chunkedBody(from: headerEnd + 4) else { return nil }
            buffer.removeFirst(consumed)
            return AdminRequest(method: String(parts[0]), target: String(parts[1]), headers: headers, body: body)
        }
        var length = 0
        if let cl = headers.first(where: { $0.0 == "content-length" })?.1 {
            guard let n = Int(cl), n >= 0 else { throw .malformedHeader }
            length = n
        }
        if length > maxBodyBytes { throw .bodyTooLarge }
        let bodyStart = headerEnd + 4
        guard buffer.count >= bodyStart + length else { return nil }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeFirst(bodyStart + length)
        return AdminRequest(method: String(parts[0]), target: String(parts[1]), headers: headers, body: body)
    }

    /// Decodes a chunked body starting at `start` (Envoy sends streamed request bodies chunked).
    /// nil while incomplete; throws past the body limit or on a malformed chunk line.
    private func chunkedBody(from start: Int) throws(ParseError) -> (body: [UInt8], consumed: Int)? {
        var body: [UInt8] = []
        var i = start
        while true {
            // Chunk-size lines hold at most 64 bytes before their CRLF, however the bytes arrive
            // (an unfinished line may end in the CR of its CRLF).
            guard let lineEnd = findCRLF(from: i) else {
                if buffer.count - i > 64 + 1 { throw .malformedHeader }
                return nil
            }
            if lineEnd - i > 64 { throw .malformedHeader }
            let sizeText = String(decoding: buffer[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: " \t"), radix: 16), size >= 0 else { throw .malformedHeader }
            // `size` can be up to Int.max ("7fffffffffffffff"): compare without overflowing.
            if size > maxBodyBytes - body.count { throw .bodyTooLarge }
            let dataStart = lineEnd + 2
            if size == 0 {
                // Trailers (ignored) end with an empty line.
                var j = dataStart
                while true {
                    guard let end = findCRLF(from: j) else { return nil }
                    if end == j { return (body, end + 2) }
                    j = end + 2
                }
            }
            guard buffer.count >= dataStart + size + 2 else { return nil }
            guard buffer[dataStart + size] == 13, buffer[dataStart + size + 1] == 10 else { throw .malformedHeader }
            body.append(contentsOf: buffer[dataStart..<(dataStart + size)])
            i = dataStart + size + 2
        }
    }

    private func findCRLF(from start: Int) -> Int? {
        var i = start
        while i + 1 < buffer.count {
            if buffer[i] == 13 && buffer[i + 1] == 10 { return i }
            i += 1
        }
        return nil
    }

    private func findHeaderEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i
        }
        return nil
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
