/// Turns an `HTTPRequest` into HTTP/1.1 wire bytes.
///
/// Validates what it writes: a header value with CR or LF would let a caller (or data a caller
/// copied into a header, such as a token) inject headers or a second request.
enum RequestEncoder {
    static func encode(_ request: HTTPRequest) throws(HTTPClientError) -> [UInt8] {
        guard !request.method.isEmpty, request.method.utf8.allSatisfy(isTokenChar) else {
            throw .invalidRequest("bad method \"\(request.method)\"")
        }
        var hasHost = false, hasConnection = false, hasLength = false
        for (name, value) in request.headers {
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenChar) else { throw .invalidRequest("bad header name \"\(name)\"") }
            guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw .invalidRequest("header \(name) has CR, LF or NUL in its value")
            }
            switch name.lowercased() {
            case "host": hasHost = true
            case "connection": hasConnection = true
            case "content-length":
                guard value.trimmingSpaces() == String(request.body.count) else {
                    throw .invalidRequest("Content-Length \(value) does not match the \(request.body.count)-byte body")
                }
                hasLength = true
            case "transfer-encoding":
                throw .invalidRequest("Transfer-Encoding is not supported; the body is sent with Content-Length")
            default: break
            }
        }
        var head = "\(request.method) \(request.url.target) HTTP/1.1\r\n"
        if !hasHost { head += "Host: \(request.url.hostHeader)\r\n" }
        for (name, value) in request.headers { head += "\(name): \(value)\r\n" }
        let method = request.method.uppercased()
        if !hasLength && (!request.body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH") {
            head += "Content-Length: \(request.body.count)\r\n"
        }
        if !hasConnection { head += "Connection: keep-alive\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        bytes.append(contentsOf: request.body)
        return bytes
    }

    /// RFC 9110 tchar.
    static func isTokenChar(_ c: UInt8) -> Bool {
        switch c {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default: return false
        }
    }
}
