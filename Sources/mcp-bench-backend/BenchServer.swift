import AdminHTTP
import Synchronization

/// Live sessions of the whole process (every port and loop): ids minted by `initialize`, removed by DELETE.
final class SessionStore: Sendable {
    private let live = Mutex<Set<UInt64>>([])

    func mint() -> UInt64 {
        var g = SystemRandomNumberGenerator()
        while true {
            let id = g.next() as UInt64
            if live.withLock({ $0.insert(id).inserted }) { return id }
        }
    }

    func contains(_ id: UInt64) -> Bool { live.withLock { $0.contains(id) } }
    func remove(_ id: UInt64) -> Bool { live.withLock { $0.remove(id) != nil } }
    var count: Int { live.withLock { $0.count } }
}

/// One MCP server on one port: Streamable HTTP, JSON responses only, handshake era with sessions
/// (2024-11-05 … 2025-11-25) and sessionless 2026-07-28 requests (`server/discover`).
final class BenchServer: Sendable {
    static let handshakeVersions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]
    static let modernVersion = "2026-07-28"

    let serverName: String
    let sessions: SessionStore
    let toolNames: Set<String>
    /// `{"jsonrpc":"2.0","id":` … the id … then this: the whole tools/list result after the id.
    private let toolsListTail: [UInt8]
    private let toolsListTailModern: [UInt8]
    private let capabilities = #"{"tools":{"listChanged":false}}"#

    init(serverName: String, toolCount: Int, namePrefix: String, sessions: SessionStore) {
        self.serverName = serverName
        self.sessions = sessions
        var names: [String] = []
        var tools = "["
        for i in 0..<toolCount {
            let name = "\(namePrefix)\(i)"
            names.append(name)
            if i > 0 { tools += "," }
            tools += #"{"name":"\#(name)","description":"Benchmark tool \#(i) of \#(serverName): echoes its name.","#
            tools += #""inputSchema":{"type":"object","properties":{"x":{"type":"number","description":"any number"},"#
            tools += #""note":{"type":"string"}},"required":["x"]}}"#
        }
        tools += "]"
        toolNames = Set(names)
        toolsListTail = Array(#","result":{"tools":\#(tools)}}"#.utf8)
        toolsListTailModern = Array(#","result":{"tools":\#(tools),"resultType":"complete"}}"#.utf8)
    }

    // MARK: HTTP

    func handle(_ request: AdminRequest) -> AdminResult {
        guard request.target.hasPrefix("/mcp") else {
            return .response(AdminResponse(status: 404, body: "not found\n"))
        }
        var sessionHeader: String?
        var versionHeader: String?
        for (k, v) in request.headers {
            if k == "mcp-session-id" { sessionHeader = v } else if k == "mcp-protocol-version" { versionHeader = v }
        }
        switch request.method {
        case "POST": break
        case "DELETE":
            guard let s = sessionHeader, let id = Self.parseSession(s), sessions.remove(id) else {
                return .response(AdminResponse(status: 404, body: "unknown session\n"))
            }
            return .response(AdminResponse(status: 200, contentType: "application/json", bytes: []))
        case "GET":
            // No server-initiated stream: our lists never change.
            return .response(AdminResponse(status: 405, body: "no event stream\n", extraHeaders: [("allow", "POST, DELETE")]))
        default:
            return .response(AdminResponse(status: 405, body: "method not allowed\n", extraHeaders: [("allow", "POST, DELETE")]))
        }
        return request.body.withUnsafeBufferPointer { b in post(b, session: sessionHeader, version: versionHeader) }
    }

    private func post(_ b: UnsafeBufferPointer<UInt8>, session: String?, version: String?) -> AdminResult {
        let peek = JSONRPCPeek(b)
        guard peek.isObject, let m = peek.method else {
            return json(400, error(id: nil, b, code: -32700, "Parse error: expected one JSON-RPC object"))
        }
        let method = UnsafeBufferPointer(rebasing: b[m])
        // Notifications (no id): accepted, nothing to say.
        guard let idRange = peek.id else {
            return .response(AdminResponse(status: 202, contentType: "application/json", bytes: []))
        }
        let modern = version == Self.modernVersion
        if Self.is(method, "initialize") {
            return initialize(b, idRange: idRange)
        }
        if Self.is(method, "server/discover") {
            return json(200, reply(id: idRange, b, Array(#"{"supportedVersions":["2026-07-28"],"capabilities":\#(capabilities),"serverInfo":{"name":"\#(serverName)","version":"1.0.0"},"resultType":"complete","ttlMs":0,"cacheScope":"public"}"#.utf8)))
        }
        if !modern {
            if let version, !Self.handshakeVersions.contains(version) {
                return json(400, error(id: idRange, b, code: -32600, "Unsupported protocol version \(version)"))
            }
            guard let session else {
                return json(400, error(id: idRange, b, code: -32600, "Bad Request: missing mcp-session-id"))
            }
            guard let sid = Self.parseSession(session), sessions.contains(sid) else {
                return json(404, error(id: idRange, b, code: -32001, "Session not found"))
            }
        }
        if Self.is(method, "tools/call") {
            guard let n = peek.paramsName else {
                return json(200, error(id: idRange, b, code: -32602, "tools/call needs params.name"))
            }
            let name = String(decoding: UnsafeBufferPointer(rebasing: b[n]), as: UTF8.self)
            guard toolNames.contains(name) else {
                return json(200, error(id: idRange, b, code: -32602, "Unknown tool: \(name)"))
            }
            let tail = modern ? #","resultType":"complete"}"# : "}"
            return json(200, reply(id: idRange, b, Array(#"{"content":[{"type":"text","text":"\#(serverName) ran \#(name)"}],"isError":false\#(tail)"#.utf8)))
        }
        if Self.is(method, "tools/list") {
            var out: [UInt8] = []
            let tail = modern ? toolsListTailModern : toolsListTail
            out.reserveCapacity(tail.count + 40)
            out.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[idRange]))
            out.append(contentsOf: tail)
            return json(200, out)
        }
        if Self.is(method, "ping") {
            return json(200, reply(id: idRange, b, Array("{}".utf8)))
        }
        return json(200, error(id: idRange, b, code: -32601, "Method not found: \(String(decoding: method, as: UTF8.self))"))
    }

    private func initialize(_ b: UnsafeBufferPointer<UInt8>, idRange: Range<Int>) -> AdminResult {
        // Negotiate: echo a handshake version we know, else offer our latest.
        var negotiated = "2025-11-25"
        for v in Self.handshakeVersions where Self.contains(b, "\"\(v)\"") { negotiated = v }
        let id = sessions.mint()
        let result = #"{"protocolVersion":"\#(negotiated)","capabilities":\#(capabilities),"serverInfo":{"name":"\#(serverName)","version":"1.0.0"}}"#
        var response = AdminResponse(status: 200, contentType: "application/json", bytes: reply(id: idRange, b, Array(result.utf8)))
        response.extraHeaders = [("mcp-session-id", Self.formatSession(id))]
        return .response(response)
    }

    // MARK: bytes

    private func json(_ status: Int, _ body: [UInt8]) -> AdminResult {
        .response(AdminResponse(status: status, contentType: "application/json", bytes: body))
    }

    private func reply(id: Range<Int>, _ b: UnsafeBufferPointer<UInt8>, _ result: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(result.count + 48)
        out.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
        out.append(contentsOf: UnsafeBufferPointer(rebasing: b[id]))
        out.append(contentsOf: #","result":"#.utf8)
        out.append(contentsOf: result)
        out.append(UInt8(ascii: "}"))
        return out
    }

    private func error(id: Range<Int>?, _ b: UnsafeBufferPointer<UInt8>, code: Int, _ message: String) -> [UInt8] {
        var out: [UInt8] = Array(#"{"jsonrpc":"2.0","id":"#.utf8)
        if let id { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[id])) } else { out.append(contentsOf: "null".utf8) }
        let safe = message.replacingQuotes()
        out.append(contentsOf: #","error":{"code":\#(code),"message":"\#(safe)"}}"#.utf8)
        return out
    }

    static func `is`(_ m: UnsafeBufferPointer<UInt8>, _ s: StaticString) -> Bool {
        guard m.count == s.utf8CodeUnitCount else { return false }
        let p = s.utf8Start
        for k in 0..<m.count where m[k] != p[k] { return false }
        return true
    }

    static func contains(_ b: UnsafeBufferPointer<UInt8>, _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard n.count <= b.count else { return false }
        outer: for i in 0...(b.count - n.count) {
            for k in 0..<n.count where b[i + k] != n[k] { continue outer }
            return true
        }
        return false
    }

    static func formatSession(_ id: UInt64) -> String {
        let hex = String(id, radix: 16)
        return "bench-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    static func parseSession(_ s: String) -> UInt64? {
        guard s.hasPrefix("bench-"), s.utf8.count == 22 else { return nil }
        return UInt64(s.dropFirst(6), radix: 16)
    }
}

extension String {
    /// Makes a message safe to embed in a JSON string literal without an encoder.
    func replacingQuotes() -> String {
        String(unicodeScalars.map { $0 == "\"" || $0 == "\\" || $0.value < 0x20 ? "'" : Character($0) })
    }
}
