/// The status line and headers of a response, delivered before any of its body.
public struct HTTPResponseHead: Sendable {
    public var status: Int
    public var reason: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    /// Names lower-cased, in the order received; repeated headers stay separate entries.
    public var headers: [(String, String)]

    public init(status: Int, reason: String = "", minorVersion: Int = 1, headers: [(String, String)] = []) {
        self.status = status
        self.reason = reason
        self.minorVersion = minorVersion
        self.headers = headers
    }

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first(where: { $0.0 == lower })?.1
    }

    /// Every value of a header, in order.
    public func headers(named name: String) -> [String] {
        let lower = name.lowercased()
        return headers.filter { $0.0 == lower }.map(\.1)
    }

    /// The declared body length, if any, so a buffered call can refuse an oversized body before
    /// reading it.
    public var contentLength: Int? { header("content-length").flatMap { Int($0.trimmingSpaces()) } }
}

/// A complete, buffered response.
public struct HTTPResponse: Sendable {
    public var head: HTTPResponseHead
    public var body: [UInt8]

    public init(head: HTTPResponseHead, body: [UInt8]) {
        self.head = head
        self.body = body
    }

    public var status: Int { head.status }
    public var headers: [(String, String)] { head.headers }
    public func header(_ name: String) -> String? { head.header(name) }
    /// The body decoded as UTF-8 (invalid sequences replaced), for JSON and error messages.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// How a streaming call ended without an error.
public enum HTTPStreamEnd: Sendable, Equatable {
    /// The response was complete: the body's framing ended, or the server closed a
    /// read-until-close body.
    case completed
    /// `onHead` or `onBody` returned false; the connection was closed, not pooled.
    case stoppedByCallback
}
