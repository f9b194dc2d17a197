import EnvoyProto
import HTTP2
import Logging
import MCPGateway
import ProtoWire
import TokenAuth
import WorkPool

/// The MCP-aware ext_proc processor: answers lists and handshakes itself, and routes calls to
/// the owning server's cluster with the name rewritten and the session mapped.
public struct MCPProcessor: ExternalProcessor {
    let context: MCPProcessorContext

    public init(context: MCPProcessorContext) {
        self.context = context
    }

    public func makeHandler() -> ExternalProcessorStreamHandler {
        MCPStreamHandler(context: context)
    }
}

/// Headers only Envoy's routing and the gateway may set; a client sending them is ignored.
let gatewayOwnedHeaders = ["x-mcp-server", "x-mcp-route", "x-mcp-identity-digest", RelayTicket.header]

/// One HTTP request's conversation with Envoy: headers → body → response headers.
///
/// What may happen next is `RequestProcessing`'s to say (a value with its own tests); this class
/// holds what the request turned out to be (its head, caller, plan) and translates decisions into
/// ext_proc replies. Loop-confined: touched only on the stream's loop thread, so `@unchecked
/// Sendable` is sound; completions of background work (a token review, a backend session, a
/// shared rate limit) hop back with `stream.onLoop` before touching it.
final class MCPStreamHandler: ExternalProcessorStreamHandler, @unchecked Sendable {
    let context: MCPProcessorContext
    let router: MCPRouter
    /// Created on the first message, which carries Envoy's `protocol_config`.
    private var state: RequestProcessing?
    var head: MCPRequestHead?
    var identity: CallerIdentity?
    /// Set when ext_proc itself authenticated the caller (no ext_authz in front): the identity then
    /// rides on forwarded requests' metadata for the access log, as ext_authz's would.
    private var authenticatedHere = false
    var requestID: String?
    var plan: ForwardPlan?
    var backendSession: String?
    var started = MonotonicClock.now()

    init(context: MCPProcessorContext) {
        self.context = context
        self.router = context.router
    }

    func handle(_ request: ProcessingRequest, stream: ExternalProcessorStream) {
        if state == nil {
            let held = request.protocolConfig.map { $0.sendBodyWithoutWaitingForHeaderResponse && $0.requestBodyMode == .streamed } ?? false
            state = RequestProcessing(delivery: held ? .streamedHeld : .afterHeadersReply, maxBodyBytes: router.config.limits.maxBodyBytes)
        }
        switch request.request {
        case .requestHeaders(let headers): requestHeaders(headers, stream, metadata: request.metadataContext)
        case .requestBody(let body): requestBody(body, stream)
        case .responseHeaders(let headers): responseHeaders(headers, stream)
        case .responseBody: stream.reply(.continueResponseBody)
        case .requestTrailers: stream.reply(.continueRequestTrailers)
        case .responseTrailers: stream.reply(.continueResponseTrailers)
        case nil: stream.fail(.init(.invalidArgument, "ProcessingRequest without a phase"))
        }
    }

    // MARK: request headers

    private func requestHeaders(_ h: HttpHeaders, _ stream: ExternalProcessorStream, metadata: Metadata?) {
        // ext_authz in front: its identity (dynamic metadata, which no client can write). Otherwise,
        // with authentication configured, this stream reviews the caller's token itself.
        identity = CallerIdentity(metadata: metadata?.filterMetadata[CallerIdentity.metadataNamespace])
        let needsAuthentication = router.config.auth != nil && identity == nil
        // One pass over the headers (Envoy sends names lower-case) instead of a scan per name.
        var head = MCPRequestHead(method: "", path: "")
        var authorization: String?
        for header in h.headers?.headers ?? [] {
            switch header.key {
            case ":method": head.method = header.valueString ?? ""
            case ":path": head.path = header.valueString ?? ""
            case "mcp-session-id": if head.sessionID == nil { head.sessionID = header.valueString }
            case "mcp-protocol-version": if head.protocolVersion == nil { head.protocolVersion = header.valueString }
            case "mcp-method": if head.mcpMethod == nil { head.mcpMethod = header.valueString }
            case "mcp-name": if head.mcpName == nil { head.mcpName = header.valueString }
            case "accept": if head.accept == nil { head.accept = header.valueString }
            case "x-request-id": if requestID == nil { requestID = header.valueString }
            case "authorization": if authorization == nil && needsAuthentication { authorization = header.valueString }
            default: break
            }
        }
        self.head = head
        switch state!.headersReceived(endOfStream: h.endOfStream, needsAuthentication: needsAuthentication) {
        case .outOfOrder:
            stream.fail(.init(.failedPrecondition, "request headers twice"))
        case .route:
            routeByHead(stream)
        case .authenticate:
            guard let admission = context.admission else {
                // Authentication configured, but neither ext_authz in front nor a reviewer here: refuse,
                // never serve anonymously.
                finish(Rejection.unauthenticated(error: nil, detail: "no authenticated identity (the gateway has no token reviewer)")
                        .reply(auth: router.config.auth), stream)
                return
            }
            admission.admit(authorization: authorization, policy: router.config.policy) { [self] decision in
                stream.onLoop { self.admitted(decision, stream) }
            }
        }
    }

    private func admitted(_ decision: Admission, _ stream: ExternalProcessorStream) {
        guard !stream.isFinished, state!.identitySettled() else { return }
        switch decision {
        case .rejected(let rejection):
            finish(rejection.reply(auth: router.config.auth), stream)
        case .admitted(let who):
            identity = who
            authenticatedHere = true
            routeByHead(stream)
        }
    }

    /// The caller is settled: the head alone may decide (GET streams, DELETE, wrong path);
    /// otherwise the body does.
    private func routeByHead(_ stream: ExternalProcessorStream) {
        head?.identityDigest = identity?.digest ?? ""
        if let decision = router.route(head: head!) {
            apply(decision, stream, inBody: false)
            return
        }
        switch state!.routeNeedsBody() {
        case .missingBody:
            finish(JSONRPCReply.errorReply(id: nil, JSONRPCError.parseError("empty body"), era: head!.era), stream)
        case .replyToHeaders:
            stream.reply(ProcessingResponse(response: .requestHeaders(HeadersResponse(
                response: .mutating(remove: gatewayOwnedHeaders, clearRouteCache: true)))))
        case .wait:
            break
        case .decide:
            routeByBody(stream)
        }
    }

    // MARK: request body

    private func requestBody(_ b: HttpBody, _ stream: ExternalProcessorStream) {
        guard !stream.isFinished else { return }
        switch state!.bodyReceived(b.body, endOfStream: b.endOfStream) {
        case .outOfOrder:
            stream.fail(.init(.failedPrecondition, "body before headers"))
        case .wait, .ignore:
            break
        case .passThrough:
            stream.reply(ProcessingResponse(response: .requestBody(BodyResponse(response: CommonResponse()))))
        case .tooLarge:
            let limit = router.config.limits.maxBodyBytes
            finish(JSONRPCReply.errorReply(id: nil, .tooLarge(limit: limit), era: head?.era ?? .handshake), stream)
        case .decide:
            routeByBody(stream)
        }
    }

    private func routeByBody(_ stream: ExternalProcessorStream) {
        let head = self.head!
        let decision = router.route(head: head, body: state!.body[...], catalog: context.catalog.snapshot,
                                    grants: router.grants(for: identity, head: head))
        apply(decision, stream, inBody: true)
    }

    /// Sends the routing decision's header changes and the (possibly replaced) body in whatever
    /// shape this stream's mode needs.
    private func sendRouting(_ mutation: HeaderMutation, body newBody: [UInt8]?, _ stream: ExternalProcessorStream, inBody: Bool,
                             metadata: [UInt8]? = nil) {
        if !inBody {
            state!.forwarded()
            stream.reply(ProcessingResponse(response: .requestHeaders(HeadersResponse(
                response: CommonResponse(headerMutation: mutation, clearRouteCache: true))), encodedMetadata: metadata))
            return
        }
        let held = !state!.headersReplied
        state!.forwarded()
        if !held {
            // Buffered: header changes and the new body travel in the one body reply.
            stream.reply(ProcessingResponse(response: .requestBody(BodyResponse(response: CommonResponse(
                headerMutation: mutation, bodyMutation: newBody.map { BodyMutation(.body($0)) }, clearRouteCache: true))),
                encodedMetadata: metadata))
            return
        }
        // Streamed: the held headers reply first, then one reply per chunk in order: the new body
        // replaces the last one, earlier ones are dropped. The headers reply carries the final
        // content-length (honoured with the filter's allow_content_length_header), so servers that
        // cannot read chunked request bodies still work.
        var headers = mutation
        if newBody == nil {
            headers.setHeaders.append(.overwrite(key: "content-length", value: String(state!.body.count)))
        }
        stream.reply(ProcessingResponse(response: .requestHeaders(HeadersResponse(
            response: CommonResponse(headerMutation: headers, clearRouteCache: true))), encodedMetadata: metadata))
        let chunks = state!.bodyChunks
        for i in 0..<chunks {
            let last = i == chunks - 1
            let change: BodyMutation? = newBody.map { last ? BodyMutation(.body($0)) : BodyMutation(.clearBody(true)) }
            stream.reply(ProcessingResponse(response: .requestBody(BodyResponse(response: CommonResponse(bodyMutation: change)))))
        }
    }

    private func apply(_ decision: RouteDecision, _ stream: ExternalProcessorStream, inBody: Bool) {
        switch decision {
        case .reply(let local):
            if let ended = local.endedSession {
                for (server, session) in context.backendSessions.removeAll(client: ended) {
                    context.endBackendSession(server, session)
                }
            }
            finish(local, stream)
            if let broadcast = local.broadcast { context.broadcast(broadcast) }
        case .stream(let plan):
            context.observer.streaming(plan)
            // The stream endpoint binds the session to the caller by this digest; ext_proc's value
            // replaces anything a client sent. A caller restricted by policy gets its servers named,
            // so a listen subscribes only to resources it may read.
            var set: [HeaderValueOption] = [.overwrite(key: "x-mcp-route", value: "gateway-stream"),
                                            .overwrite(key: "x-mcp-identity-digest", value: identity?.digest ?? "")]
            var remove = ["x-mcp-server", "x-mcp-servers-allowed"]
            let grants = head.map { router.grants(for: identity, head: $0) } ?? router.config.policy.grants(for: identity)
            if !grants.coversEverything {
                set.append(.overwrite(key: "x-mcp-servers-allowed",
                                      value: router.config.servers.map(\.name).filter(grants.allowsServer).joined(separator: ",")))
                remove.removeLast()
            }
            let mutation = HeaderMutation(setHeaders: set, removeHeaders: remove)
            sendRouting(mutation, body: nil, stream, inBody: inBody)
        case .gather(let plan):
            state!.awaitWork()
            context.gather(plan) { [self] body in
                stream.onLoop {
                    guard self.state!.isDeciding, !stream.isFinished else { return }
                    var local = LocalReply(status: 200, body: body)
                    local.rpcMethod = plan.method
                    self.finish(local, stream)
                }
            }
        case .forward(let plan):
            guard plan.rpcMethod == "tools/call", !router.limiter.isEmpty else {
                forward(plan, stream)
                return
            }
            let limiter = router.limiter
            let caller = identity?.digest ?? ""
            let check: @Sendable () -> RateLimiter.Verdict = {
                limiter.check(caller: caller, server: plan.server.name, tool: plan.publicName, now: WallClock.unixSeconds())
            }
            guard limiter.shared != nil else {
                forward(plan, verdict: check(), stream)
                return
            }
            // Counted in Redis: the round trip waits on a worker, not on this loop.
            state!.awaitWork()
            let submitted = RateLimitWorkers.shared.submit { [self] in
                let verdict = check()
                stream.onLoop {
                    guard self.state!.isDeciding, !stream.isFinished else { return }
                    self.forward(plan, verdict: verdict, stream)
                }
            }
            if !submitted {
                var busy = JSONRPCReply.errorReply(id: plan.rawID[...], .busy("rate-limit checks"), era: plan.era)
                busy.headers.append(("retry-after", "1"))
                finish(busy, stream)
            }
        }
    }

    /// A tool call that met its rate limits' verdict: refused with 429, or forwarded.
    private func forward(_ plan: ForwardPlan, verdict: RateLimiter.Verdict, _ stream: ExternalProcessorStream) {
        if let local = RateLimiter.refusal(verdict, what: "tool calls", id: plan.rawID[...], era: plan.era) {
            context.observer.rateLimited(plan, caller: identity, requestID: requestID)
            state!.finish()
            sendImmediate(local, stream)
            return
        }
        forward(plan, stream)
    }

    private func forward(_ plan: ForwardPlan, _ stream: ExternalProcessorStream) {
        self.plan = plan
        started = MonotonicClock.now()
        if let pinned = plan.backendSession {
            // An answer to a server→client request: to the backend session that asked.
            backendSession = pinned
            sendForward(plan, backendSession: pinned, stream)
        } else if plan.era == .handshake, let client = plan.clientSession {
            state!.awaitWork()
            let done: BackendSessionTable.Completion = { [self] result in
                stream.onLoop { self.forwardWithSession(result, plan, stream) }
            }
            if plan.sessionless == .perCall {
                context.backendSessions.createUnshared(client: client, server: plan.server.name, done)
            } else {
                context.backendSessions.withSession(client: client, server: plan.server.name, done)
            }
        } else {
            sendForward(plan, backendSession: nil, stream)
        }
    }

    private func forwardWithSession(_ result: Result<String, JSONRPCError>, _ plan: ForwardPlan, _ stream: ExternalProcessorStream) {
        if stream.isFinished || !state!.isDeciding {
            // Envoy gave up on the request meanwhile (client gone, message timeout): a backend session
            // opened for this call alone would never be ended by the access log.
            if case .success(let backend) = result, plan.sessionless == .perCall { context.endBackendSession(plan.server.name, backend) }
            return
        }
        switch result {
        case .success(let backend):
            self.backendSession = backend
            self.sendForward(plan, backendSession: backend, stream)
        case .failure(let error):
            self.finish(JSONRPCReply.errorReply(id: plan.rawID[...], error, era: plan.era), stream)
        }
    }

    private func sendForward(_ plan: ForwardPlan, backendSession: String?, _ stream: ExternalProcessorStream) {
        if plan.relayed, let client = plan.clientSession {
            sendRelayed(plan, client: client, backendSession: backendSession ?? "", stream)
            return
        }
        var set = plan.setHeaders.map { HeaderValueOption.overwrite(key: $0.0, value: $0.1) }
        if let backendSession, !backendSession.isEmpty {
            set.append(.overwrite(key: "mcp-session-id", value: backendSession))
        }
        var remove = plan.removeHeaders + ["x-mcp-route", "x-mcp-identity-digest", RelayTicket.header]
        if backendSession?.isEmpty == true { remove.append("mcp-session-id") }
        sendRouted(plan, backendSession: backendSession, HeaderMutation(setHeaders: set, removeHeaders: remove), stream)
    }

    /// Lets Envoy route the request with these header changes. Envoy carries the record for the
    /// response side: the route maps the session id back, the local-reply mapper writes errors
    /// naming the server, the access log reports the end.
    private func sendRouted(_ plan: ForwardPlan, backendSession: String?, _ mutation: HeaderMutation, _ stream: ExternalProcessorStream) {
        context.observer.forwarding(plan)
        var record = ForwardRecord(plan: plan, backendSession: backendSession)
        if authenticatedHere { record.caller = identity }
        let metadata = ProtoStruct.encodedNamespace(ForwardRecord.metadataNamespace, strings: record.fields)
        sendRouting(mutation, body: plan.body, stream, inBody: true, metadata: metadata)
    }

    /// A call the gateway relays itself (the client accepts server→client requests): to the
    /// gateway's HTTP port with the decision sealed in a ticket; the client's own session header
    /// stays (the relay answers with it). Envoy's access log still reports the call's end.
    private func sendRelayed(_ plan: ForwardPlan, client: ClientSession, backendSession: String, _ stream: ExternalProcessorStream) {
        let ticket = RelayTicket(server: plan.server.name, backendSession: backendSession, rawID: plan.rawID,
                                 expires: UInt64(WallClock.unixSeconds()) + RelayTicket.lifetimeSeconds)
        let set: [HeaderValueOption] = [
            .overwrite(key: "x-mcp-route", value: "gateway-stream"),
            .overwrite(key: RelayTicket.header, value: ticket.sealed(for: client, body: plan.body, signer: router.signer)),
            .overwrite(key: "content-length", value: String(plan.body.count)),
            .overwrite(key: ":path", value: router.config.mcpPath),
            // The relay checks the session against the caller, as for event streams.
            .overwrite(key: "x-mcp-identity-digest", value: identity?.digest ?? ""),
        ]
        sendRouted(plan, backendSession: backendSession, HeaderMutation(setHeaders: set, removeHeaders: plan.removeHeaders + ["x-mcp-server"]), stream)
    }

    /// Answers the request here (Envoy sends nothing upstream); whatever still arrives is ignored.
    func finish(_ local: LocalReply, _ stream: ExternalProcessorStream) {
        state?.finish()
        context.observer.answeredLocally(local, caller: identity, session: local.newSession ?? local.endedSession, requestID: requestID)
        sendImmediate(local, stream)
    }

    func sendImmediate(_ local: LocalReply, _ stream: ExternalProcessorStream, metadata: [UInt8]? = nil) {
        var headers = [HeaderValueOption.overwrite(key: "content-type", value: local.contentType)]
        for (k, v) in local.headers { headers.append(.overwrite(key: k, value: v)) }
        var immediate = ImmediateResponse(code: Int32(local.status), headers: headers, body: "")
        immediate.body = local.body
        immediate.details = "mcp_gateway"
        stream.reply(ProcessingResponse(response: .immediateResponse(immediate), encodedMetadata: metadata))
    }
}

