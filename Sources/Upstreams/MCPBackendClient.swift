import HTTPClient
import JSONWire
import MCPGateway

/// Why a call from the gateway to an MCP server failed, in words fit for a log line and for a
/// JSON-RPC error naming the server.
public struct BackendError: Error, Sendable, CustomStringConvertible {
    public let server: String
    public let problem: String
    /// The server said the session is gone (404): re-initialize.
    public let sessionExpired: Bool

    public init(server: String, _ problem: String, sessionExpired: Bool = false) {
        self.server = server
        self.problem = problem
        self.sessionExpired = sessionExpired
    }

    public var description: String { "\(server): \(problem)" }
}

/// The gateway's own MCP client for one server: blocking calls, made on background threads,
/// never on an event loop. Speaks the handshake era (sessions) and probes for 2026-07-28.
public struct MCPBackendClient: Sendable {
    public let server: ServerConfig
    let http: HTTPClient
    let clientName: String
    let clientVersion: String

    public init(server: ServerConfig, http: HTTPClient, clientName: String = "mcp-gateway", clientVersion: String) {
        self.server = server
        self.http = http
        self.clientName = clientName
        self.clientVersion = clientVersion
    }

    public struct Session: Sendable {
        public let id: String?
        public let protocolVersion: String
        public let result: JSONValue
    }

    /// `initialize` + `notifications/initialized`: a new backend session. `clientInit` is a
    /// client's own `{"capabilities":…,"clientInfo":…}` (a backend session opened for it); empty
    /// means the gateway speaks for itself (discovery), declaring no capabilities.
    public func initialize(protocolVersion: String = ProtocolEra.latestHandshake, clientInit: [UInt8] = []) throws(BackendError) -> Session {
        let (head, result) = try request(method: "initialize", params: Self.initializeParams(protocolVersion: protocolVersion, clientInit: clientInit,
                                                                                         writeClientInfo: writeClientInfo),
                                         session: nil, protocolVersion: nil)
        let sessionID = head.header("mcp-session-id")
        let negotiated = result["protocolVersion"]?.stringValue ?? protocolVersion
        try notify(method: "notifications/initialized", session: sessionID, protocolVersion: negotiated)
        return Session(id: sessionID, protocolVersion: negotiated, result: result)
    }

    /// `initialize` params: the version, then the client's own members as they came (a backend
    /// session opened for a client), else no capabilities; the gateway's `clientInfo` if the
    /// client gave none.
    static func initializeParams(protocolVersion: String, clientInit: [UInt8], writeClientInfo: (inout JSONWriter) -> Void) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("protocolVersion"); w.string(protocolVersion)
        var hasClientInfo = false
        if let scanner = try? JSONScanner(clientInit), let members = scanner.objectMembers(of: scanner.root), !members.isEmpty {
            for m in members {
                w.key(m.key); w.raw(scanner.bytes[m.value])
                if m.key == "clientInfo" { hasClientInfo = true }
            }
        } else {
            w.key("capabilities"); w.beginObject(); w.endObject()
        }
        if !hasClientInfo { w.key("clientInfo"); writeClientInfo(&w) }
        w.endObject()
        return w.bytes
    }

    /// The gateway's own `clientInfo` object.
    func writeClientInfo(_ w: inout JSONWriter) {
        w.beginObject()
        w.key("name"); w.string(clientName)
        w.key("version"); w.string(clientVersion)
        w.endObject()
    }

    /// Posts one JSON-RPC message the client sent (a notification, or a request whose reply the
    /// gateway does not need) on a backend session. Best effort: errors are returned, not thrown.
    @discardableResult
    public func post(_ body: [UInt8], session: String, protocolVersion: String) -> Int? {
        guard let response = try? send(body: body, headers: baseHeaders(session: session.isEmpty ? nil : session,
                                                                         protocolVersion: protocolVersion)) else { return nil }
        return response.status
    }

    /// `params` of a 2026-07-28 request from the gateway itself: the envelope (`_meta`: version,
    /// no capabilities, its clientInfo), then what `members` writes.
    func modernParams(_ members: (inout JSONWriter) -> Void = { _ in }) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("_meta"); w.beginObject()
        w.key("io.modelcontextprotocol/protocolVersion"); w.string(ProtocolEra.latestModern)
        w.key("io.modelcontextprotocol/clientCapabilities"); w.beginObject(); w.endObject()
        w.key("io.modelcontextprotocol/clientInfo"); writeClientInfo(&w)
        w.endObject()
        members(&w)
        w.endObject()
        return w.bytes
    }

    /// `{"cursor": …}`, or `{}` for the first page.
    static func cursorParams(_ cursor: String?) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        if let cursor { w.key("cursor"); w.string(cursor) }
        w.endObject()
        return w.bytes
    }

    /// Every page of a list method as a 2026-07-28 client sees it (stateless requests).
    public func listAllModern(method: String, key: String) throws(BackendError) -> [JSONValue] {
        var items: [JSONValue] = []
        var cursor: String?
        for _ in 0..<1000 {
            let params = modernParams { w in if let cursor { w.key("cursor"); w.string(cursor) } }
            let (_, result) = try request(method: method, params: params, session: nil, protocolVersion: ProtocolEra.latestModern,
                                          modern: true)
            items += result[key]?.arrayValue ?? []
            guard let next = result["nextCursor"]?.stringValue, !next.isEmpty else { return items }
            cursor = next
        }
        throw BackendError(server: server.name, "\(method) returned more than 1000 pages")
    }

    /// True if the server answers `server/discover` for 2026-07-28.
    public func speaksModern() -> Bool {
        guard let (_, result) = try? request(method: "server/discover", params: modernParams(), session: nil,
                                             protocolVersion: ProtocolEra.latestModern, modern: true) else { return false }
        return result["supportedVersions"]?.arrayValue?.contains(where: { $0.stringValue == ProtocolEra.latestModern }) ?? false
    }

    /// Every page of a list method (`tools/list` …), following `nextCursor`.
    public func listAll(method: String, key: String, session: Session) throws(BackendError) -> [JSONValue] {
        var items: [JSONValue] = []
        var cursor: String?
        for _ in 0..<1000 {
            let (_, result) = try request(method: method, params: Self.cursorParams(cursor), session: session.id, protocolVersion: session.protocolVersion)
            items += result[key]?.arrayValue ?? []
            guard let next = result["nextCursor"]?.stringValue, !next.isEmpty else { return items }
            cursor = next
        }
        throw BackendError(server: server.name, "\(method) returned more than 1000 pages")
    }

    /// Ends a backend session (best effort).
    public func deleteSession(_ id: String, protocolVersion: String) {
        guard let req = try? HTTPRequest(method: "DELETE", url: server.url, headers: baseHeaders(session: id, protocolVersion: protocolVersion)) else { return }
        _ = try? http.send(req, timeout: min(5, server.timeoutSeconds))
    }

    // MARK: plumbing

    func baseHeaders(session: String?, protocolVersion: String?, method: String? = nil) -> [(String, String)] {
        var h: [(String, String)] = [("accept", "application/json, text/event-stream"), ("content-type", "application/json")]
        if let session { h.append(("mcp-session-id", session)) }
        if let protocolVersion { h.append(("mcp-protocol-version", protocolVersion)) }
        if let method { h.append(("mcp-method", method)) }
        if let c = server.credential { h.append((c.header, c.value)) }
        return h
    }

    func notify(method: String, session: String?, protocolVersion: String) throws(BackendError) {
        var w = JSONWriter()
        w.beginObject()
        w.key("jsonrpc"); w.string("2.0")
        w.key("method"); w.string(method)
        w.endObject()
        let body = w.bytes
        let response = try send(body: body, headers: baseHeaders(session: session, protocolVersion: protocolVersion))
        guard (200..<300).contains(response.status) else {
            throw BackendError(server: server.name, "\(method) answered HTTP \(response.status)")
        }
    }

    /// One request/response exchange; handles JSON and SSE replies.
    public func request(method: String, params: [UInt8], session: String?, protocolVersion: String?,
                        modern: Bool = false) throws(BackendError) -> (HTTPResponseHead, JSONValue) {
        let body = Self.requestBody(method: method, params: params)
        // Lists and discovery change nothing on the server: safe to retry on a stale pooled connection.
        let idempotent = method.hasSuffix("/list") || method == "server/discover" || method == "ping"
        let response = try send(body: body, headers: baseHeaders(session: session, protocolVersion: protocolVersion,
                                                                  method: modern ? method : nil), idempotent: idempotent)
        if response.status == 404 && session != nil {
            throw BackendError(server: server.name, "session expired (HTTP 404)", sessionExpired: true)
        }
        guard let message = try Self.responseMessage(response, server: server.name) else {
            throw BackendError(server: server.name, "\(method) answered HTTP \(response.status) without a JSON-RPC reply")
        }
        if let error = message["error"] {
            let text = error["message"]?.stringValue ?? "error"
            throw BackendError(server: server.name, "\(method) failed: \(error["code"]?.numberText ?? "?") \(text)")
        }
        guard let result = message["result"] else {
            throw BackendError(server: server.name, "\(method) reply has no result")
        }
        return (response.head, result)
    }

    /// `{"jsonrpc":"2.0","id":1,"method":…,"params":…}` (`params` spliced as given).
    static func requestBody(method: String, params: [UInt8]) -> [UInt8] {
        var w = JSONWriter(reservingCapacity: params.count + 64)
        w.beginObject()
        w.key("jsonrpc"); w.string("2.0")
        w.key("id"); w.number(1)
        w.key("method"); w.string(method)
        w.key("params"); w.raw(params)
        w.endObject()
        return w.bytes
    }

    func send(body: [UInt8], headers: [(String, String)], idempotent: Bool = false) throws(BackendError) -> HTTPResponse {
        do {
            let req = try HTTPRequest(method: "POST", url: server.url, headers: headers, body: body, idempotent: idempotent)
            return try http.send(req, timeout: server.timeoutSeconds)
        } catch {
            throw BackendError(server: server.name, "\(error)")
        }
    }

    /// The JSON-RPC response in a reply body: the JSON itself, or the SSE event carrying it.
    static func responseMessage(_ response: HTTPResponse, server: String) throws(BackendError) -> JSONValue? {
        let type = response.header("content-type")?.lowercased() ?? ""
        if type.hasPrefix("text/event-stream") {
            var parser = SSEParser()
            let events: [SSEEvent]
            do { events = try parser.feed(response.body + [10, 10]) } catch {
                throw BackendError(server: server, "malformed event stream: \(error)")
            }
            for event in events {
                guard let v = try? JSONValue(parsing: Array(event.data.utf8)) else { continue }
                if v["result"] != nil || v["error"] != nil { return v }
            }
            return nil
        }
        guard !response.body.isEmpty else { return nil }
        do { return try JSONValue(parsing: response.body) } catch {
            let preview = String(decoding: response.body.prefix(60), as: UTF8.self)
            throw BackendError(server: server, "reply is not JSON (HTTP \(response.status), content-type \"\(type)\", starts \(JSONWriter.quoted(preview))): \(error)")
        }
    }
}
