import JSONWire

/// A handshake-era client's call, as the 2026-07-28 request a server that speaks only that
/// revision accepts: the envelope the client gave once, in `initialize` (its capabilities and
/// clientInfo, carried in the session id), goes into every request's `params._meta`, and the
/// routing headers the revision requires are derived from the body.
///
/// The envelope keys are written last in `_meta`: a parser keeps the last of duplicate keys, so a
/// client cannot speak for the gateway by writing them itself. Every other byte of the body is
/// the client's (its `progressToken`, its arguments).
public enum ModernCallEnvelope {
    public static let version = ProtocolEra.latestModern

    /// The body with the 2026-07-28 envelope in `params._meta`; nil when the body has no params
    /// object to carry it (every bridged method has one).
    public static func body(_ request: JSONRPCRequest, session: ClientSession, logLevel: String?) -> [UInt8]? {
        guard let params = request.paramsRange, request.scanner.kind(at: params) == .object else { return nil }
        var envelope = JSONWriter(reservingCapacity: 256)
        envelope.beginObject()
        envelope.key("io.modelcontextprotocol/protocolVersion"); envelope.string(version)
        envelope.key("io.modelcontextprotocol/clientCapabilities"); envelope.raw(clientFact("capabilities", of: session) ?? Array("{}".utf8))
        if let info = clientFact("clientInfo", of: session) { envelope.key("io.modelcontextprotocol/clientInfo"); envelope.raw(info) }
        if let logLevel { envelope.key("io.modelcontextprotocol/logLevel"); envelope.string(logLevel) }
        envelope.endObject()
        let members = Array(envelope.bytes.dropFirst().dropLast()) // `"k":v,…` without the braces
        if let meta = request.param("_meta"), request.scanner.kind(at: meta) == .object {
            return appending(members, toObject: meta, in: request.scanner)
        }
        return appending(Array("\"_meta\":{".utf8) + members + [UInt8(ascii: "}")], toObject: params, in: request.scanner)
    }

    /// `members` (`"k":v,…`) added as the last members of the object at `object`.
    public static func appending(_ members: [UInt8], toObject object: Range<Int>, in scanner: JSONScanner) -> [UInt8] {
        let empty = scanner.objectMembers(of: object)?.isEmpty ?? true
        let close = object.upperBound - 1 // the object's `}`
        return scanner.replacing(close..<close, with: (empty ? [] : [UInt8(ascii: ",")]) + members)
    }

    /// The client's `capabilities` or `clientInfo` from its session, raw JSON.
    public static func clientFact(_ name: String, of session: ClientSession) -> [UInt8]? {
        guard !session.clientInit.isEmpty, let scanner = try? JSONScanner(session.clientInit[...]),
              let value = scanner.lastMember(named: name, in: scanner.root), scanner.kind(at: value) == .object else { return nil }
        return Array(scanner.bytes[value])
    }

    /// The headers a 2026-07-28 server checks against the body (mcp-wire-facts §1.1–1.3):
    /// `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name` (the server's own name or URI) on the three
    /// name-bearing methods, and `Mcp-Param-<X>` for each argument the tool's `inputSchema`
    /// annotates with `x-mcp-header: X` (top-level properties; strings, integers, booleans).
    public static func headers(_ request: JSONRPCRequest, tool: [UInt8]? = nil) -> [(String, String)] {
        var out: [(String, String)] = [("mcp-protocol-version", version), ("mcp-method", request.method)]
        switch request.method {
        case "tools/call", "prompts/get":
            if let name = request.stringParam("name") { out.append(("mcp-name", MCPHeaderValue.encode(name))) }
        case "resources/read":
            if let uri = request.stringParam("uri") { out.append(("mcp-name", MCPHeaderValue.encode(uri))) }
        default: break
        }
        guard request.method == "tools/call", let tool, let entry = try? JSONScanner(tool[...]),
              let schema = entry.lastMember(named: "inputSchema", in: entry.root), entry.kind(at: schema) == .object,
              let properties = entry.lastMember(named: "properties", in: schema),
              let members = entry.objectMembers(of: properties),
              let args = request.param("arguments"), request.scanner.kind(at: args) == .object else { return out }
        for (property, spec) in members {
            guard entry.kind(at: spec) == .object, let h = entry.lastMember(named: "x-mcp-header", in: spec),
                  let header = entry.string(at: h), isToken(header),
                  let value = request.scanner.lastMember(named: property, in: args) else { continue }
            let text: String? = switch request.scanner.kind(at: value) {
            case .string: request.scanner.string(at: value)
            case .bool, .number: String(decoding: request.scanner.bytes[value], as: UTF8.self)
            default: nil // null: no header
            }
            if let text { out.append(("mcp-param-\(header.lowercased())", MCPHeaderValue.encode(text))) }
        }
        return out
    }

    /// An RFC 9110 token (what `x-mcp-header` must be, so the header name is well formed).
    static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || Array("!#$%&'*+-.^_`|~".utf8).contains(b)
        }
    }

    /// A 2026-07-28 response as a handshake-era client expects it: `resultType` (a 2026-07-28
    /// field the handshake era does not have) removed from the result; every other byte kept.
    public static func handshakeResponse(_ message: [UInt8]) -> [UInt8] {
        guard let scanner = try? JSONScanner(message[...]), let result = scanner.lastMember(named: "result", in: scanner.root),
              let members = scanner.members(of: result) else { return message }
        let all = Array(members)
        guard let index = all.lastIndex(where: { scanner.key(of: $0, equals: "resultType") }) else { return message }
        // The member and the comma joining it to the next one (or, for the last, to the previous).
        let removed: Range<Int> = index + 1 < all.count ? all[index].key.lowerBound..<all[index + 1].key.lowerBound
            : index > 0 ? all[index - 1].value.upperBound..<all[index].value.upperBound
            : all[index].key.lowerBound..<all[index].value.upperBound
        return scanner.replacing(removed, with: [])
    }
}
