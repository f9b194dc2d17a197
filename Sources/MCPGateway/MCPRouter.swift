import JSONWire

/// Decides, for one MCP request, whether the gateway answers it or which server gets it.
///
/// Pure: given the request, the catalog snapshot and the session state it returns a decision,
/// touching no socket. Handshake-era clients get sessions minted here; 2026-07-28 clients are
/// served statelessly, as that revision requires.
public struct MCPRouter: Sendable {
    public let config: GatewayConfig
    public let signer: SessionSigner
    public let revocations: SessionRevocations
    public let version: String
    /// Tool-call rate limits (swapped with the router on a reload).
    public let limiter: RateLimiter
    /// Handshake-era sessions' subscriptions to 2026-07-28-only servers' resources (kept across reloads).
    public let subscriptions: BridgedSubscriptions
    /// Wall-clock seconds; injected so tests control expiry.
    public let clock: @Sendable () -> Double

    /// `limiter`: the previous router's, when a reload left `rateLimits` unchanged, so a config
    /// change elsewhere (a server added) does not refill every caller's bucket.
    public init(config: GatewayConfig, signer: SessionSigner, revocations: SessionRevocations, version: String,
                clock: @escaping @Sendable () -> Double, sharedRates: (any SharedRateStore)? = nil, limiter: RateLimiter? = nil,
                subscriptions: BridgedSubscriptions = BridgedSubscriptions()) {
        self.config = config
        self.subscriptions = subscriptions
        self.signer = signer
        self.revocations = revocations
        self.version = version
        self.clock = clock
        if let limiter, limiter.rules == config.rateLimits {
            self.limiter = limiter
        } else {
            self.limiter = RateLimiter(rules: config.rateLimits, shared: sharedRates)
        }
    }

    // MARK: requests without a JSON-RPC body (GET, DELETE, others)

    /// Handles what can be decided from headers alone. Returns nil for a POST, whose body decides.
    /// A GET or DELETE answered here is marked with its HTTP method (for `mcp_requests_total`).
    public func route(head: MCPRequestHead) -> RouteDecision? {
        let decision = routeWithoutBody(head)
        guard head.method == "GET" || head.method == "DELETE", case .reply(var local)? = decision else { return decision }
        local.rpcMethod = head.method
        return .reply(local)
    }

    private func routeWithoutBody(_ head: MCPRequestHead) -> RouteDecision? {
        guard config.servesMCP(at: head.normalizedPath) else {
            return .reply(LocalReply(status: 404, body: JSONRPCReply.error(id: nil, JSONRPCError(
                code: JSONRPCError.invalidRequestCode, message: "Not found: this gateway serves MCP at \(config.mcpPath)"))))
        }
        let era = head.era
        switch head.method {
        case "POST":
            return nil
        case "GET":
            if era == .modern {
                return .reply(LocalReply(status: 405, body: JSONRPCReply.error(id: nil, JSONRPCError(
                    code: JSONRPCError.invalidRequestCode, message: "Method Not Allowed: 2026-07-28 uses subscriptions/listen")),
                    headers: [("allow", "POST")]))
            }
            if let accept = head.accept, !accept.contains("text/event-stream") && !accept.contains("*/*") {
                return .reply(LocalReply(status: 406, body: JSONRPCReply.error(id: nil, JSONRPCError(
                    code: -32000, message: "Not Acceptable: Client must accept text/event-stream"))))
            }
            switch verifiedSession(head) {
            case .failure(let error): return .reply(JSONRPCReply.errorReply(id: nil, error, era: era))
            case .success(let session): return .stream(StreamPlan(session: session, era: .handshake))
            }
        case "DELETE":
            if era == .modern {
                return .reply(LocalReply(status: 405, body: [], headers: [("allow", "POST")]))
            }
            switch verifiedSession(head) {
            case .failure(let error): return .reply(JSONRPCReply.errorReply(id: nil, error, era: era))
            case .success(let session):
                do {
                    try revocations.revoke(session, until: Double(session.issuedAt) + signer.ttlSeconds, now: clock())
                } catch {
                    // Not ended: the client is told so (503, retry later), never a 200 for a session that still works.
                    var refused = JSONRPCReply.errorReply(id: nil, error.jsonRPCError, era: era)
                    refused.headers.append(("retry-after", String(error.retryAfterSeconds)))
                    return .reply(refused)
                }
                subscriptions.end(session)
                return .reply(LocalReply(status: 200, body: [], endedSession: session))
            }
        default:
            return .reply(LocalReply(status: 405, body: JSONRPCReply.error(id: nil, JSONRPCError(
                code: JSONRPCError.invalidRequestCode, message: "Method Not Allowed")), headers: [("allow", "GET, POST, DELETE")]))
        }
    }

    // MARK: POST with a JSON-RPC body

    public func route(head: MCPRequestHead, body: ArraySlice<UInt8>, catalog: CatalogSnapshot,
                      grants: AccessPolicy.Grants = .everything) -> RouteDecision {
        let era = head.era
        if body.count > config.limits.maxBodyBytes {
            return .reply(JSONRPCReply.errorReply(id: nil, .tooLarge(limit: config.limits.maxBodyBytes), era: era))
        }
        let request: JSONRPCRequest
        do { request = try JSONRPCRequest(parsing: body) } catch {
            return .reply(JSONRPCReply.errorReply(id: nil, error, era: era))
        }
        let decision: RouteDecision = switch era {
        case .handshake: routeHandshake(head, request, catalog, grants)
        case .modern: routeModern(head, request, catalog, grants)
        }
        guard case .reply(var local) = decision else { return decision }
        local.rpcMethod = request.method.isEmpty ? "response" : request.method
        return .reply(local)
    }

    private func routeHandshake(_ head: MCPRequestHead, _ request: JSONRPCRequest, _ catalog: CatalogSnapshot,
                                _ grants: AccessPolicy.Grants) -> RouteDecision {
        let id = request.rawID
        if request.method == "initialize" && request.kind == .request {
            if limiter.limits(method: "initialize"),
               let refused = RateLimiter.refusal(limiter.check(caller: head.identityDigest, method: "initialize", now: clock()),
                                                 what: "initialize requests", id: request.rawID, era: .handshake) {
                return .reply(refused)
            }
            return .reply(initialize(request, head: head, catalog: catalog))
        }
        guard head.sessionID != nil else {
            return routeSessionless(head, request, catalog, grants)
        }
        let session: ClientSession
        switch verifiedSession(head) {
        case .failure(let error): return .reply(JSONRPCReply.errorReply(id: id, error, era: .handshake))
        case .success(let s): session = s
        }
        switch request.kind {
        case .response:
            return answerServerRequest(request, session: session)
        case .notification:
            var accepted = LocalReply(status: 202, body: [])
            // Cancellation names the client's own request id, unique among its in-flight requests,
            // so every backend session of the client may hear it: only the one running it acts.
            if Self.fannedOutNotifications.contains(request.method) {
                accepted.broadcast = ClientBroadcast(session: session, body: Array(request.body))
            }
            return .reply(accepted)
        case .request:
            break
        }
        switch request.method {
        case "ping":
            return .reply(LocalReply(status: 200, body: JSONRPCReply.result(id: id) { w in w.beginObject(); w.endObject() }))
        case "logging/setLevel":
            return .reply(setLevel(request, session: session))
        case "tools/list", "prompts/list", "resources/list", "resources/templates/list":
            return .reply(list(request, catalog: catalog, era: .handshake, grants: grants))
        case "tools/call", "prompts/get", "resources/read", "completion/complete", "resources/subscribe", "resources/unsubscribe":
            return forward(request, head: head, catalog: catalog, era: .handshake, session: session, grants: grants)
        case "tasks/get", "tasks/result", "tasks/cancel":
            return routeTask(request, session: session, catalog: catalog)
        case "tasks/list":
            let servers = config.servers.filter { server in
                if case .up(let found)? = catalog.serverStates[server.name] { return found.tasks && grants.allowsServer(server.name) }
                return false
            }.map(\.name)
            return .gather(GatherPlan(session: session, rawID: id.map(Array.init) ?? [], method: request.method, servers: servers))
        default:
            return .reply(JSONRPCReply.errorReply(id: id, .methodNotFound(request.method), era: .handshake))
        }
    }

    /// `tasks/get`, `tasks/result`, `tasks/cancel`: the task id is one the gateway sealed when the
    /// server created the task (`ServerMessageRewriter`); the request goes to that server and
    /// backend session with the server's own id, relayed so ids in the reply are sealed again.
    func routeTask(_ request: JSONRPCRequest, session: ClientSession, catalog: CatalogSnapshot) -> RouteDecision {
        let id = request.rawID
        guard let range = request.param("taskId"), let text = request.scanner.string(at: range),
              let task = ServerRequestID.open(text, for: session, signer: signer, purpose: .task),
              let server = config.server(named: task.server) else {
            return .reply(JSONRPCReply.errorReply(id: id, .invalidParams("Unknown task: \(request.stringParam("taskId") ?? "(no taskId)")"),
                                                  era: .handshake))
        }
        guard catalog.isUp(server.name) else {
            return .reply(JSONRPCReply.errorReply(id: id, .serverUnavailable(server.name, "it is not answering the gateway"), era: .handshake))
        }
        let body = request.splicing(range, with: task.rawID)
        var plan = ForwardPlan(server: server, era: .handshake, body: body, clientSession: session,
                               setHeaders: [("x-mcp-server", server.name), ("content-length", String(body.count)),
                                            (":authority", server.authority), (":path", server.path)],
                               removeHeaders: Self.clientOnlyHeaders(server), rpcMethod: request.method, publicName: "",
                               originalName: "", rawID: id.map(Array.init) ?? [])
        plan.backendSession = task.backendSession
        plan.relayed = true
        return .forward(plan)
    }

    /// Client notifications every backend session of the client must hear.
    static let fannedOutNotifications: Set<String> = ["notifications/cancelled", "notifications/roots/list_changed"]
    static let logLevels: Set<String> = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]

    /// `logging/setLevel`: checked here, then sent to every backend session of the client and
    /// remembered for the ones opened later.
    func setLevel(_ request: JSONRPCRequest, session: ClientSession) -> LocalReply {
        guard let level = request.stringParam("level"), Self.logLevels.contains(level) else {
            return JSONRPCReply.errorReply(id: request.rawID, .invalidParams(
                "logging/setLevel needs params.level, one of \(Self.logLevels.sorted().joined(separator: ", "))"), era: .handshake)
        }
        var reply = LocalReply(status: 200, body: JSONRPCReply.result(id: request.rawID) { w in w.beginObject(); w.endObject() })
        reply.broadcast = ClientBroadcast(session: session, body: Array(request.body), logLevel: level)
        return reply
    }

    /// A client's answer to a server→client request: its id must be one the gateway sealed for
    /// this session (`ServerRequestID`); it goes to the server and backend session that asked,
    /// with the server's own id restored. Anything else reaches no server.
    func answerServerRequest(_ request: JSONRPCRequest, session: ClientSession) -> RouteDecision {
        guard let idRange = request.idRange, let text = request.scanner.string(at: idRange),
              let target = ServerRequestID.open(text, for: session, signer: signer) else {
            return .reply(JSONRPCReply.errorReply(id: nil, .invalidRequest(
                "this response answers no request the gateway sent to this session"), era: .handshake))
        }
        guard let server = config.server(named: target.server) else {
            return .reply(JSONRPCReply.errorReply(id: nil, .serverUnavailable(target.server, "it is no longer configured"), era: .handshake))
        }
        if let answer = InputAnswer(target, response: Array(request.body)) {
            // An answer to an input request of a call bridged to a 2026-07-28 server: to that call.
            var accepted = LocalReply(status: 202, body: [])
            accepted.broadcast = ClientBroadcast(session: session, body: [])
            accepted.broadcast?.inputAnswer = answer
            return .reply(accepted)
        }
        let body = request.splicing(idRange, with: target.rawID)
        var plan = ForwardPlan(server: server, era: .handshake, body: body, clientSession: session,
                               setHeaders: [("x-mcp-server", server.name), ("content-length", String(body.count)),
                                            (":authority", server.authority), (":path", server.path)],
                               removeHeaders: Self.clientOnlyHeaders(server), rpcMethod: "response", publicName: "",
                               originalName: "", rawID: [])
        plan.backendSession = target.backendSession
        return .forward(plan)
    }

    /// Headers a server gets only when its config says so: the client's credentials and cookies.
    static func clientOnlyHeaders(_ server: ServerConfig) -> [String] {
        server.forwardAuthorization ? [] : ["authorization", "proxy-authorization", "cookie"]
    }

    /// A POST without `Mcp-Session-Id` from a plain client (curl, a script): lists and pings are
    /// answered from the catalog; calls run on a backend session the gateway manages for the
    /// caller. With authentication that is one per identity; without it, one per call (opened for
    /// the call and ended after it), so two anonymous callers never share server state.
    func routeSessionless(_ head: MCPRequestHead, _ request: JSONRPCRequest, _ catalog: CatalogSnapshot,
                          _ grants: AccessPolicy.Grants) -> RouteDecision {
        let id = request.rawID
        guard request.kind == .request else {
            if request.kind == .response {
                return .reply(JSONRPCReply.errorReply(id: nil, .missingSession(), era: .handshake))
            }
            return .reply(LocalReply(status: 202, body: []))
        }
        switch request.method {
        case "ping", "logging/setLevel":
            return .reply(LocalReply(status: 200, body: JSONRPCReply.result(id: id) { w in w.beginObject(); w.endObject() }))
        case "tools/list", "prompts/list", "resources/list", "resources/templates/list":
            return .reply(list(request, catalog: catalog, era: .handshake, grants: grants))
        case "tools/call", "prompts/get", "resources/read", "completion/complete":
            let implicit = ImplicitSession.for(identityDigest: head.identityDigest, protocolVersion: head.protocolVersion,
                                               now: UInt64(clock()))
            let decision = forward(request, head: head, catalog: catalog, era: .handshake, session: implicit, grants: grants)
            guard case .forward(var plan) = decision else { return decision }
            // (A call bridged to a 2026-07-28 server pins no backend session: nothing to open or end.)
            if plan.backendSession == nil { plan.sessionless = implicit.identityDigest.isEmpty ? .perCall : .perIdentity }
            if !(head.accept ?? "").contains("text/event-stream") {
                // Servers refuse a POST that does not accept both reply shapes (406).
                plan.setHeaders.append(("accept", "application/json, text/event-stream"))
            }
            return .forward(plan)
        default:
            return .reply(JSONRPCReply.errorReply(id: id, .missingSession(), era: .handshake))
        }
    }

    private func routeModern(_ head: MCPRequestHead, _ request: JSONRPCRequest, _ catalog: CatalogSnapshot,
                             _ grants: AccessPolicy.Grants) -> RouteDecision {
        let id = request.rawID
        guard let version = head.protocolVersion, ProtocolEra.modernVersions.contains(version) else {
            let supported = (ProtocolEra.modernVersions + ProtocolEra.handshakeVersions).map(JSONText.string).joined(separator: ",")
            return .reply(JSONRPCReply.errorReply(id: id, JSONRPCError(
                code: -32022, message: "Unsupported protocol version",
                dataJSON: "{\"supported\":[\(supported)],\"requested\":\(JSONText.string(head.protocolVersion ?? ""))}"), era: .modern))
        }
        if request.kind != .request { return .reply(LocalReply(status: 202, body: [])) }
        guard head.mcpMethod == request.method else {
            return .reply(JSONRPCReply.errorReply(id: id, JSONRPCError(
                code: -32020, message: head.mcpMethod == nil ? "missing mcp-method header"
                    : "mcp-method header does not match the request body's method"), era: .modern))
        }
        if ["tools/call", "prompts/get", "resources/read"].contains(request.method) {
            let bodyName = request.stringParam(request.method == "resources/read" ? "uri" : "name")
            guard let header = head.mcpName, MCPHeaderValue.decode(header) == bodyName else {
                return .reply(JSONRPCReply.errorReply(id: id, JSONRPCError(
                    code: -32020, message: "mcp-name header does not match the request body's name"), era: .modern))
            }
        }
        switch request.method {
        case "server/discover":
            return .reply(discover(request, catalog: catalog))
        case "tools/list", "prompts/list", "resources/list", "resources/templates/list":
            return .reply(list(request, catalog: catalog, era: .modern, grants: grants))
        case "tools/call", "prompts/get", "resources/read", "completion/complete":
            return forward(request, head: head, catalog: catalog, era: .modern, session: nil, grants: grants)
        case "subscriptions/listen":
            return .stream(StreamPlan(session: nil, era: .modern))
        default:
            return .reply(JSONRPCReply.errorReply(id: id, .methodNotFound(request.method), era: .modern))
        }
    }

    // MARK: sessions

    public func verifiedSession(_ head: MCPRequestHead) -> Result<ClientSession, JSONRPCError> {
        guard let token = head.sessionID, !token.isEmpty else { return .failure(.missingSession()) }
        guard let session = signer.verify(token, now: UInt64(clock())), !revocations.isRevoked(session) else {
            return .failure(.unknownSession())
        }
        guard session.identityDigest == head.identityDigest else {
            // Another caller presenting this id: as far as they are concerned it does not exist.
            return .failure(.unknownSession())
        }
        return .success(session)
    }

    // MARK: local answers

    func initialize(_ request: JSONRPCRequest, head: MCPRequestHead, catalog: CatalogSnapshot) -> LocalReply {
        let requested = request.param("protocolVersion").flatMap { request.scanner.string(at: $0) }
        let version = ProtocolEra.negotiate(requested)
        let facts = Self.clientInit(of: request)
        let session = signer.issue(protocolVersion: version, identityDigest: head.identityDigest, clientInit: facts, now: UInt64(clock()))
        let body = JSONRPCReply.result(id: request.rawID) { w in
            w.beginObject()
            w.key("protocolVersion"); w.string(version)
            w.key("capabilities"); writeCapabilities(&w, catalog)
            w.key("serverInfo"); writeServerInfo(&w)
            if let instructions = mergedInstructions(catalog) { w.key("instructions"); w.string(instructions) }
            w.endObject()
        }
        return LocalReply(status: 200, body: body, headers: [("mcp-session-id", session.token)], newSession: session)
    }

    /// `{"capabilities":…,"clientInfo":…}` for the session id: the client's own bytes for its
    /// capabilities, and of its clientInfo the fields a server identifies a client by (name,
    /// version, title; icons and URLs can be large and stay out). When that is still over the size
    /// an id may carry, only the standard capabilities are kept (experimental and extension entries
    /// dropped): a client is never refused for what it declares.
    static func clientInit(of request: JSONRPCRequest) -> [UInt8] {
        let scanner = request.scanner
        func compose(capabilities: (inout JSONWriter) -> Void) -> [UInt8] {
            var w = JSONWriter(reservingCapacity: 256)
            w.beginObject()
            w.key("capabilities"); capabilities(&w)
            if let info = request.param("clientInfo"), scanner.kind(at: info) == .object {
                w.key("clientInfo"); w.beginObject()
                for field in ["name", "version", "title"] {
                    if let v = scanner.lastMember(named: field, in: info), let text = scanner.string(at: v) { w.key(field); w.string(text) }
                }
                w.endObject()
            }
            w.endObject()
            return w.bytes
        }
        let caps = request.param("capabilities").flatMap { scanner.kind(at: $0) == .object ? $0 : nil }
        let whole = compose { w in if let caps { w.raw(scanner.bytes[caps]) } else { w.beginObject(); w.endObject() } }
        if whole.count <= SessionSigner.maxClientInitBytes { return whole }
        return compose { w in
            w.beginObject()
            for name in ["roots", "sampling", "elicitation", "tasks"] {
                if let caps, let v = scanner.lastMember(named: name, in: caps), scanner.kind(at: v) == .object, v.count <= 256 {
                    w.key(name); w.raw(scanner.bytes[v])
                } else if let caps, scanner.lastMember(named: name, in: caps) != nil {
                    w.key(name); w.beginObject(); w.endObject()
                }
            }
            w.endObject()
        }
    }

    func discover(_ request: JSONRPCRequest, catalog: CatalogSnapshot) -> LocalReply {
        let body = JSONRPCReply.result(id: request.rawID) { w in
            w.beginObject()
            w.key("supportedVersions"); w.beginArray(); for v in ProtocolEra.modernVersions { w.string(v) }; w.endArray()
            w.key("capabilities"); writeCapabilities(&w, catalog)
            if let instructions = mergedInstructions(catalog) { w.key("instructions"); w.string(instructions) }
            writeModernResultFields(&w)
            w.endObject()
        }
        return LocalReply(status: 200, body: body)
    }

    func list(_ request: JSONRPCRequest, catalog: CatalogSnapshot, era: ProtocolEra,
              grants: AccessPolicy.Grants) -> LocalReply {
        let (entries, key, kind): ([FederatedEntry], String, String) = switch request.method {
        case "tools/list": (catalog.tools, "tools", "t")
        case "prompts/list": (catalog.prompts, "prompts", "p")
        case "resources/list": (catalog.resources, "resources", "r")
        default: (catalog.resourceTemplates, "resourceTemplates", "rt")
        }
        let cursorRange = request.param("cursor")
        let cursor = cursorRange.flatMap { request.scanner.string(at: $0) }
        guard cursorRange == nil || cursor != nil || request.scanner.isNull(at: cursorRange!),
              let offset = ListPagination.offset(from: cursor, kind: kind) else {
            return JSONRPCReply.errorReply(id: request.rawID, .invalidParams("Invalid cursor"), era: era)
        }
        let body = JSONRPCReply.result(id: request.rawID) { w in
            w.beginObject()
            if !(grants.coversEverything && ListPagination.writePrejoined(catalog, entries: entries, key: key, kind: kind,
                                                                            offset: offset, pageSize: config.catalog.pageSize, era: era, into: &w)) {
                ListPagination.writePage(entries, key: key, kind: kind, offset: offset, pageSize: config.catalog.pageSize, era: era,
                                         allowed: key == "tools" ? grants.allowsTool : { grants.allowsServer($0.server) }, into: &w)
            }
            if era == .modern { writeModernResultFields(&w) }
            w.endObject()
        }
        return LocalReply(status: 200, body: body)
    }

    /// What the federation supports: `subscribe` only when a server that is up supports it,
    /// whatever era it speaks (the gateway routes the subscription to the resource's server, or
    /// holds it for a server of the other era: `BridgedSubscriptions`, `ListenFilter`).
    private func writeCapabilities(_ w: inout JSONWriter, _ catalog: CatalogSnapshot) {
        let subscribes = catalog.serverStates.values.contains { if case .up(let s) = $0 { s.subscribes } else { false } }
        w.beginObject()
        w.key("tools"); w.beginObject(); w.key("listChanged"); w.bool(true); w.endObject()
        w.key("prompts"); w.beginObject(); w.key("listChanged"); w.bool(true); w.endObject()
        w.key("resources"); w.beginObject(); w.key("listChanged"); w.bool(true); w.key("subscribe"); w.bool(subscribes); w.endObject()
        w.key("completions"); w.beginObject(); w.endObject()
        w.key("logging"); w.beginObject(); w.endObject()
        if catalog.serverStates.values.contains(where: { if case .up(let s) = $0 { s.tasks } else { false } }) {
            // 2025-11-25 tasks of a server that supports them: task ids are sealed and routed back.
            w.key("tasks"); w.beginObject()
            w.key("list"); w.beginObject(); w.endObject()
            w.key("cancel"); w.beginObject(); w.endObject()
            w.key("requests"); w.beginObject(); w.key("tools"); w.beginObject(); w.key("call"); w.beginObject(); w.endObject(); w.endObject(); w.endObject()
            w.endObject()
        }
        w.endObject()
    }

    private func writeServerInfo(_ w: inout JSONWriter) {
        w.beginObject()
        w.key("name"); w.string(config.serverName)
        w.key("version"); w.string(version)
        w.endObject()
    }

    /// 2026-07-28 result fields: result type, cache hints, and the server identity stamp. Lists
    /// are `private` because what a caller sees can depend on who it is.
    private func writeModernResultFields(_ w: inout JSONWriter) {
        w.key("resultType"); w.string("complete")
        w.key("ttlMs"); w.number(0)
        w.key("cacheScope"); w.string("private")
        w.key("_meta"); w.beginObject(); w.key("io.modelcontextprotocol/serverInfo"); writeServerInfo(&w); w.endObject()
    }

    private func mergedInstructions(_ catalog: CatalogSnapshot) -> String? {
        var parts: [String] = []
        for server in config.servers {
            if case .up(let found)? = catalog.serverStates[server.name], let text = found.instructions, !text.isEmpty {
                parts.append("[\(server.name), tools prefixed \(server.prefix)] \(text)")
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "\n\n")
    }

    // MARK: forwarding

    /// An error reply for a call the gateway refused, marked for the audit trail and metrics.
    func refuse(_ error: JSONRPCError, id: ArraySlice<UInt8>?, era: ProtocolEra, tool: String?, reason: String) -> RouteDecision {
        var reply = JSONRPCReply.errorReply(id: id, error, era: era)
        reply.refusedTool = tool
        reply.refusal = reason
        return .reply(reply)
    }

    func forward(_ request: JSONRPCRequest, head: MCPRequestHead, catalog: CatalogSnapshot, era: ProtocolEra,
                 session: ClientSession?, grants: AccessPolicy.Grants) -> RouteDecision {
        let id = request.rawID
        let target: (entry: FederatedEntry?, server: String, range: Range<Int>, original: String, publicName: String)
        switch request.method {
        case "tools/call":
            guard let nameRange = request.param("name"), let name = request.scanner.string(at: nameRange) else {
                return .reply(JSONRPCReply.errorReply(id: id, .invalidParams("tools/call needs params.name"), era: era))
            }
            guard let entry = catalog.tool(named: name) else {
                return refuse(.unknownTool(name), id: id, era: era, tool: name, reason: "unknown_tool")
            }
            guard grants.allowsTool(entry) else {
                return refuse(.forbidden("tool \(name)"), id: id, era: era, tool: name, reason: "forbidden")
            }
            guard !entry.drifted else {
                return refuse(.toolChanged(name, server: entry.server), id: id, era: era, tool: name, reason: "tool_changed")
            }
            target = (entry, entry.server, nameRange, entry.originalName, name)
        case "prompts/get":
            guard let nameRange = request.param("name"), let name = request.scanner.string(at: nameRange) else {
                return .reply(JSONRPCReply.errorReply(id: id, .invalidParams("prompts/get needs params.name"), era: era))
            }
            guard let entry = catalog.prompt(named: name), grants.allowsServer(entry.server) else {
                return .reply(JSONRPCReply.errorReply(id: id, .invalidParams("Unknown prompt: \(name)"), era: era))
            }
            target = (entry, entry.server, nameRange, entry.originalName, name)
        case "resources/read", "resources/subscribe", "resources/unsubscribe":
            guard let uriRange = request.param("uri"), let uri = request.scanner.string(at: uriRange) else {
                return .reply(JSONRPCReply.errorReply(id: id, .invalidParams("\(request.method) needs params.uri"), era: era))
            }
            guard let split = FederatedNaming.splitURI(uri), config.server(named: split.server) != nil,
                  grants.allowsServer(split.server) else {
                return .reply(JSONRPCReply.errorReply(id: id, .invalidParams("Unknown resource: \(uri)"), era: era))
            }
            target = (nil, split.server, uriRange, split.uri, uri)
        default: // completion/complete: route by its reference
            guard let refRange = request.param("ref"), request.scanner.kind(at: refRange) == .object else {
                return .reply(JSONRPCReply.errorReply(id: id, .invalidParams("completion/complete needs params.ref"), era: era))
            }
            if let nameRange = request.scanner.lastMember(named: "name", in: refRange), let name = request.scanner.string(at: nameRange),
               let entry = catalog.prompt(named: name), grants.allowsServer(entry.server) {
                target = (entry, entry.server, nameRange, entry.originalName, name)
            } else if let uriRange = request.scanner.lastMember(named: "uri", in: refRange), let uri = request.scanner.string(at: uriRange),
                      let split = FederatedNaming.splitURI(uri), config.server(named: split.server) != nil,
                      grants.allowsServer(split.server) {
                target = (nil, split.server, uriRange, split.uri, uri)
            } else {
                return .reply(JSONRPCReply.errorReply(id: id, .invalidParams("Unknown completion reference"), era: era))
            }
        }
        guard let server = config.server(named: target.server) else {
            return .reply(JSONRPCReply.errorReply(id: id, .invalidParams("Unknown server for \(target.publicName)"), era: era))
        }
        guard catalog.isUp(server.name) else {
            return refuse(.serverUnavailable(server.name, "it is not answering the gateway"), id: id, era: era,
                          tool: request.method == "tools/call" ? target.publicName : nil, reason: "unavailable")
        }
        // Between eras the gateway bridges: a 2026-07-28 call to a server that speaks only the
        // handshake era (`CallBridge`), a handshake-era call to one that speaks only 2026-07-28
        // (`ModernCallBridge`).
        let toHandshake = era == .modern && !catalog.speaks(era, server: server.name) && catalog.speaks(.handshake, server: server.name)
        let toModern = era == .handshake && !catalog.speaks(era, server: server.name) && catalog.speaks(.modern, server: server.name)
        guard catalog.speaks(era, server: server.name) || toHandshake || toModern else {
            let revision = era == .modern ? "2026-07-28" : "the handshake-era protocol (2025-11-25 and earlier)"
            return .reply(JSONRPCReply.errorReply(id: id, .serverUnavailable(server.name, "it does not speak \(revision) (nor an era the gateway bridges from)"), era: era))
        }
        var replacement: [UInt8] = []
        JSONText.appendString(target.original, to: &replacement)
        let body = request.splicing(target.range, with: replacement)
        var set: [(String, String)] = [("x-mcp-server", server.name), ("content-length", String(body.count)),
                                       (":authority", server.authority), (":path", server.path)]
        var remove = Self.clientOnlyHeaders(server)
        if era == .modern {
            set.append(("mcp-name", MCPHeaderValue.encode(target.original)))
            remove.append("mcp-session-id")
        }
        var plan = ForwardPlan(server: server, era: era, body: body, clientSession: session, setHeaders: set,
                               removeHeaders: remove, rpcMethod: request.method, publicName: target.publicName,
                               originalName: target.original, rawID: id.map(Array.init) ?? [])
        if config.audit.includeArgumentNames, request.method == "tools/call", let args = request.param("arguments") {
            plan.argumentNames = request.scanner.members(of: args).map { members in members.map { request.scanner.key(of: $0) } } ?? []
        }
        if toModern {
            if request.method.hasSuffix("subscribe") { return holdSubscription(request, plan, catalog: catalog) }
            return bridgeToModern(request, plan, entry: target.entry)
        }
        // Relaying needs a client session to seal ids for: sessionless plain clients keep the direct path.
        if era == .handshake, let session, !session.token.isEmpty, !request.method.hasSuffix("subscribe"),
           session.acceptsServerRequests || (request.method == "tools/call" && request.param("task") != nil) {
            // Relayed: the reply may carry server→client requests, or a task id to seal.
            plan.relayed = true
        }
        if toHandshake {
            plan.clientSession = ModernBridge.caller(identityDigest: head.identityDigest)
            plan.relayed = true
        }
        return .forward(plan)
    }
}
