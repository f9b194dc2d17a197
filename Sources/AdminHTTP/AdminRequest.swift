/// An HTTP/1.1 request on the admin port (probes and Prometheus scrapes: small, header-only).
public struct AdminRequest: Sendable {
    public var method: String
    public var target: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    /// The target without its query string.
    public var path: String {
        if let q = target.firstIndex(of: "?") { return String(target[..<q]) }
        return target
    }

    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first(where: { $0.0 == lower })?.1
    }
}

public struct AdminResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    public var extraHeaders: [(String, String)]

    public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: String, extraHeaders: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = Array(body.utf8)
        self.extraHeaders = extraHeaders
    }

    public init(status: Int, contentType: String, bytes: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = bytes
        self.extraHeaders = []
    }
}

/// What a handler answers: a whole response, the head of a long-lived stream (SSE) whose events
/// are pushed later through an `AdminEventStream`, or a whole response made elsewhere.
public enum AdminResult: Sendable {
    case response(AdminResponse)
    case stream(status: Int, headers: [(String, String)], start: @Sendable (AdminEventStream) -> Void)
    /// For responses that take real work to make (a metrics scrape renders every series): `make`
    /// is called on the loop, hands the work to another thread and calls `respond` from there,
    /// once; the connection writes it on its loop. Meanwhile the loop serves everyone else, and
    /// further requests on this connection wait (HTTP/1.1 answers in order).
    case deferred(_ make: @Sendable (_ respond: @escaping @Sendable (AdminResponse) -> Void) -> Void)
}

/// Answers admin requests; called on a loop thread, so it must be quick (no blocking I/O).
public typealias AdminHandler = @Sendable (AdminRequest) -> AdminResult
