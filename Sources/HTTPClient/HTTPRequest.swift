/// An outbound HTTP/1.1 request.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: HTTPURL
    /// Sent in order after `Host`. `Host`, `Connection` and `Content-Length` given here replace
    /// the ones the client would add; `Transfer-Encoding` is refused (bodies are sent whole).
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Whether sending the request twice has the same effect as once. Only such requests are
    /// retried when a pooled connection dies without any sign of whether the server read them.
    /// Defaults from the method (GET, HEAD, OPTIONS, TRACE, PUT, DELETE); set it to true for a
    /// POST that is a pure read, such as MCP `tools/list`.
    public var isIdempotent: Bool

    public init(method: String = "GET", url: HTTPURL, headers: [(String, String)] = [], body: [UInt8] = [], idempotent: Bool? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.isIdempotent = idempotent ?? HTTPRequest.idempotentMethods.contains(method.uppercased())
    }

    public init(method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8] = [], idempotent: Bool? = nil) throws(HTTPClientError) {
        self.init(method: method, url: try HTTPURL(url), headers: headers, body: body, idempotent: idempotent)
    }

    static let idempotentMethods: Set<String> = ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first(where: { $0.0.lowercased() == lower })?.1
    }

    /// The caller asked for `Connection: close`, so the connection must not be pooled afterwards.
    var asksToClose: Bool {
        headers.contains { $0.0.lowercased() == "connection" && HTTPHeaderTokens.contains($0.1, "close") }
    }
}

/// Comma-separated header token lists (`Connection`, `Transfer-Encoding`).
enum HTTPHeaderTokens {
    static func split(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingSpaces().lowercased() }.filter { !$0.isEmpty }
    }

    static func contains(_ value: String, _ token: String) -> Bool {
        split(value).contains(token)
    }
}

extension StringProtocol {
    /// Trims SP and HTAB only (HTTP's OWS), without Foundation.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
