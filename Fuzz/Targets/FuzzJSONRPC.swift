// Fuzz target `jsonrpc`: JSON-RPC parsing (`JSONRPCRequest(parsing:)`) and the router
// (`MCPRouter.route(head:body:catalog:)`) with a small fixed config and catalog: the rewriter
// that splices a tool's own name into a forwarded body.
//
// Input: byte 0 chooses the request head and how the body is sliced; the rest is the body.
//   bits 0-1: 0 handshake era with a valid session, 1 handshake without a session,
//             2 2026-07-28 with mcp-method / mcp-name headers taken from the body,
//             3 headers from the input: the body starts after the first LF, and the line before
//               it is `protocolVersion TAB sessionID TAB mcpMethod TAB mcpName`;
//   bits 2-4: how many filler bytes precede the body in its array (the router gets an
//             ArraySlice whose startIndex is not 0, as the Envoy adapter may pass it).
// A list cursor written "!t:3" is replaced by its base64url encoding before routing.
// Properties:
// * nothing traps; every JSON reply body is valid JSON, and a reply to a request (within the
//   body limit) echoes its id byte for byte;
// * a forwarded body is valid JSON, equal to the client's body except for the one string token
//   that named the tool / prompt / resource, which now decodes to the server's own name, and a
//   last-wins reader of the forwarded body (any MCP server) finds exactly that token, the same
//   method and the same id;
// * a forwarded tools/call names a catalog tool of the server it is routed to, and the public
//   name the client sent is byte-identical to the catalog entry's.
import JSONWire
import MCPGateway

private struct Fixture: Sendable {
    let router: MCPRouter
    let catalog: CatalogSnapshot
    let session: String

    init() {
        let config = GatewayConfig(
            servers: [
                ServerConfig(name: "calc", url: "http://calc:8000/mcp", toolFilter: ToolFilter(deny: ["secret_*"])),
                ServerConfig(name: "phys", prefix: "p.", url: "http://phys:8000/base/mcp?x=1", cluster: "physics",
                             forwardAuthorization: true),
                ServerConfig(name: "dead", url: "http://dead:8000/mcp"),
            ],
            catalog: CatalogConfig(pageSize: 3),
            limits: LimitsConfig(maxBodyBytes: 2048),
            serverName: "fuzz-gateway")
        let object: JSONValue = ["type": "object"]
        let calc = DiscoveredServer(
            name: "calc",
            tools: [["name": "add", "inputSchema": object], ["name": "divide", "inputSchema": object],
                    ["name": "secret_admin", "inputSchema": object], ["name": "we\"ird\\na/me\u{2028}", "inputSchema": object],
                    ["name": "ünïcode", "inputSchema": object], ["name": "Kelvin", "inputSchema": object]],
            prompts: [["name": "explain"], ["name": "add"]],
            resources: [["uri": "file:///notes.txt", "name": "notes"]],
            resourceTemplates: [["uriTemplate": "file:///{path}", "name": "files"]],
            instructions: "Use calc.", speaksHandshake: true, speaksModern: true)
        let phys = DiscoveredServer(
            name: "phys", tools: [["name": "velocity", "inputSchema": object]], prompts: [["name": "explain"]],
            resources: [["uri": "mem://constants", "name": "constants"]], speaksHandshake: true, speaksModern: false)
        catalog = CatalogSnapshot(generation: 1, config: config,
                                  states: ["calc": .up(calc), "phys": .up(phys), "dead": .down(reason: "refused")])
        let signer = SessionSigner(secret: Array("fuzz-session-secret-0123456789".utf8), ttlSeconds: 3600)
        let now: Double = 1_800_000_000
        router = MCPRouter(config: config, signer: signer, revocations: SessionRevocations(), version: "0.0.0-fuzz",
                           clock: { now })
        session = signer.issue(protocolVersion: "2025-11-25", identityDigest: "", now: UInt64(now)).token
    }
}

private let fixture = Fixture()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONRPC(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let mode = input.first else { return 0 }
    var rest = input.dropFirst()
    var head = MCPRequestHead(method: "POST", path: "/mcp")
    if mode & 3 == 3 {
        guard let lf = rest.firstIndex(of: 0x0A) else { return 0 }
        let fields = String(decoding: rest[..<lf], as: UTF8.self).split(separator: "\t", omittingEmptySubsequences: false)
        func field(_ i: Int) -> String? { i < fields.count && !fields[i].isEmpty ? String(fields[i]) : nil }
        head.protocolVersion = field(0)
        head.sessionID = field(1)
        head.mcpMethod = field(2)
        head.mcpName = field(3)
        rest = rest[(lf + 1)...]
    }
    let padding = Int(mode >> 2) & 7
    var bodyBytes = Array(rest)
    // List cursors are base64url("<kind>:<offset>"), which mutations of the encoded text rarely
    // keep valid: a cursor written "!<text>" is encoded here, so the fuzzer mutates the text.
    if let request = try? JSONRPCRequest(parsing: bodyBytes[...]), let range = request.param("cursor"),
       let cursor = request.scanner.string(at: range), cursor.hasPrefix("!") {
        bodyBytes = request.splicing(range, with: Array("\"\(Base64URL.encode(Array(cursor.utf8.dropFirst())))\"".utf8))
    }
    let storage = [UInt8](repeating: 0x20, count: padding) + bodyBytes
    let body = storage[padding...]

    let parsed = try? JSONRPCRequest(parsing: body)
    switch mode & 3 {
    case 0:
        head.protocolVersion = "2025-11-25"
        head.sessionID = fixture.session
    case 2:
        head.protocolVersion = "2026-07-28"
        if let request = parsed {
            head.mcpMethod = request.method
            let key = request.method == "resources/read" ? "uri" : "name"
            head.mcpName = request.stringParam(key).map(MCPHeaderValue.encode)
        }
    default:
        break
    }

    let router = fixture.router
    if let early = router.route(head: head) {
        checkReply(early, request: nil)
        return 0
    }
    let decision = router.route(head: head, body: body, catalog: fixture.catalog)
    switch decision {
    case .reply:
        // An oversized body is refused unread (id null), by design.
        checkReply(decision, request: body.count > fixture.router.config.limits.maxBodyBytes ? nil : parsed)
    case .forward(let plan):
        guard let request = parsed else { fuzzFail("forwarded a body that does not parse as JSON-RPC") }
        checkForward(plan, request: request, body: body)
    case .stream:
        break
    }
    return 0
}

private func checkReply(_ decision: RouteDecision, request: JSONRPCRequest?) {
    guard case .reply(let reply) = decision, !reply.body.isEmpty, reply.contentType.contains("json") else { return }
    guard let scanner = try? JSONScanner(reply.body) else {
        fuzzFail("reply body is not JSON: \(String(decoding: reply.body.prefix(300), as: UTF8.self))")
    }
    if let request, request.kind == .request, let rawID = request.rawID {
        guard let id = scanner.lastMember(named: "id", in: scanner.root) else {
            fuzzFail("reply to a request has no id: \(String(decoding: reply.body.prefix(300), as: UTF8.self))")
        }
        fuzzCheck(scanner.bytes[id].elementsEqual(rawID), "reply id \(hexPrefix(scanner.bytes[id])) is not the request's \(hexPrefix(rawID))")
    }
}

private func checkForward(_ plan: ForwardPlan, request: JSONRPCRequest, body: ArraySlice<UInt8>) {
    let out = plan.body
    guard let forwarded = try? JSONRPCRequest(parsing: out[...]) else {
        fuzzFail("forwarded body is not a JSON-RPC request: \(String(decoding: out.prefix(300), as: UTF8.self))")
    }
    fuzzCheck(forwarded.method == request.method && forwarded.method == plan.rpcMethod, "method changed on the way")
    fuzzCheck(forwarded.kind == request.kind, "message kind changed on the way")
    fuzzCheck(forwarded.rawID.map(Array.init) == request.rawID.map(Array.init), "id changed on the way")
    fuzzCheck(plan.rawID == (request.rawID.map(Array.init) ?? []), "plan.rawID is not the request's id")

    // Where the name was in the client's body, and where a last-wins reader finds it now.
    let (before, after): ([Range<Int>?], [Range<Int>?])
    switch request.method {
    case "tools/call", "prompts/get":
        (before, after) = ([request.param("name")], [forwarded.param("name")])
    case "resources/read":
        (before, after) = ([request.param("uri")], [forwarded.param("uri")])
    case "completion/complete":
        let ref = request.param("ref"), ref2 = forwarded.param("ref")
        before = [ref.flatMap { request.scanner.lastMember(named: "name", in: $0) },
                  ref.flatMap { request.scanner.lastMember(named: "uri", in: $0) }]
        after = [ref2.flatMap { forwarded.scanner.lastMember(named: "name", in: $0) },
                 ref2.flatMap { forwarded.scanner.lastMember(named: "uri", in: $0) }]
    default:
        fuzzFail("forwarded a \(request.method) request")
    }
    var matched = false
    for (old, new) in zip(before, after) {
        guard let old, let new else { continue }
        // Bytes before and after the token unchanged; the token itself is the server's name.
        let prefixLength = old.lowerBound - body.startIndex
        let suffixLength = body.endIndex - old.upperBound
        guard new.lowerBound == prefixLength, new.upperBound == out.count - suffixLength,
              out[..<new.lowerBound].elementsEqual(body[..<old.lowerBound]),
              out[new.upperBound...].elementsEqual(body[old.upperBound...]) else { continue }
        guard let decoded = forwarded.scanner.string(at: new),
              decoded.utf8.elementsEqual(plan.originalName.utf8) else { continue }
        guard let publicName = request.scanner.string(at: old), publicName.utf8.elementsEqual(plan.publicName.utf8) else { continue }
        matched = true
    }
    fuzzCheck(matched, """
        forwarded body is not the client's body with one name replaced by \(plan.originalName.debugDescription):
          in:  \(String(decoding: body.prefix(400), as: UTF8.self))
          out: \(String(decoding: out.prefix(400), as: UTF8.self))
        """)

    if request.method == "tools/call" {
        guard let entry = fixture.catalog.tool(named: plan.publicName) else { fuzzFail("forwarded an unknown tool") }
        fuzzCheck(entry.server == plan.server.name && entry.originalName == plan.originalName,
                  "tool \(plan.publicName.debugDescription) routed to \(plan.server.name)/\(plan.originalName), catalog says \(entry.server)/\(entry.originalName)")
        fuzzCheck(entry.publicName.utf8.elementsEqual(plan.publicName.utf8),
                  "tool name \(plan.publicName.unicodeScalars.map { "U+\(String($0.value, radix: 16))" }) was accepted as \(entry.publicName.debugDescription) (not byte-identical)")
    }
    fuzzCheck(plan.setHeaders.contains { $0.0 == "content-length" && $0.1 == String(out.count) }, "content-length header does not match the forwarded body")
}
