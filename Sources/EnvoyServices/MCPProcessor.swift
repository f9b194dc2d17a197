import EnvoyProto
import HTTP2
import Logging
import MCPGateway

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
let gatewayOwnedHeaders = ["x-mcp-server", "x-mcp-route", "x-mcp-identity-digest"]

/// One HTTP request's conversation with Envoy: headers → body → response headers.
///
/// Loop-confined: its state is touched only on the stream's loop thread. Completions of
/// background work (backend session creation, direct retries) hop back with `stream.onLoop`.
final class MCPStreamHandler: ExternalProcessorStreamHandler, @unchecked Sendable {
    let context: MCPProcessorContext
    var router: MCPRouter
    var head: MCPRequestHead?
    var identity: CallerIdentity?
    var requestID: String?
    var plan: ForwardPlan?
    var backendSession: String?
    var started = MonotonicClock.now()

    init(context: MCPProcessorContext) {
        self.context = context
        self.router = context.router
    }

    func handle(_ request: ProcessingRequest, stream: ExternalProcessorStream) {
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
        identity = CallerIdentity(metadata: metadata?.filterMetadata[CallerIdentity.metadataNamespace])
        if router.config.auth != nil && identity == nil {
            // Configured for authentication but Envoy did not run ext_authz first: refuse, never serve anonymously.
            let error = JSONRPCError(code: -32001, message: "Unauthorized: no authenticated identity (is ext_authz configured before ext_proc?)",
                                     fixedHTTPStatus: 401)
            reply(JSONRPCReply.errorReply(id: nil, error, era: .handshake), stream, inBody: false)
            return
        }
        requestID = h.firstString("x-request-id")
        let head = MCPRequestHead(
            method: h.firstString(":method") ?? "", path: h.firstString(":path") ?? "",
            sessionID: h.firstString("mcp-session-id"), protocolVersion: h.firstString("mcp-protocol-version"),
            mcpMethod: h.firstString("mcp-method"), mcpName: h.firstString("mcp-name"), accept: h.firstString("accept"),
            identityDigest: identity?.digest ?? "")
        self.head = head
        if let decision = router.route(head: head) {
            apply(decision, stream, inBody: false)
            return
        }
        if h.endOfStream {
            let error = JSONRPCError.parseError("empty body")
            reply(JSONRPCReply.errorReply(id: nil, error, era: head.era), stream, inBody: false)
            return
        }
        // POST: drop routing headers a client may have forged; the body decides the route.
        stream.reply(ProcessingResponse(response: .requestHeaders(HeadersResponse(
            response: .mutating(remove: gatewayOwnedHeaders, clearRouteCache: true)))))
    }

    // MARK: request body

    private func requestBody(_ b: HttpBody, _ stream: ExternalProcessorStream) {
        guard let head else { stream.fail(.init(.failedPrecondition, "body before headers")); return }
        let decision = router.route(head: head, body: b.body[...], catalog: context.catalog.snapshot,
                                    grants: router.config.policy.grants(for: identity))
        apply(decision, stream, inBody: true)
    }

    private func apply(_ decision: RouteDecision, _ stream: ExternalProcessorStream, inBody: Bool) {
        switch decision {
        case .reply(let local):
            if let ended = local.endedSession {
                for (server, session) in context.backendSessions.removeAll(client: ended) {
                    context.endBackendSession(server, session)
                }
            }
            reply(local, stream, inBody: inBody)
        case .stream:
            // The stream endpoint binds the session to the caller by this digest; ext_proc's value
            // replaces anything a client sent.
            let mutation = CommonResponse.mutating(set: [.overwrite(key: "x-mcp-route", value: "gateway-stream"),
                                                         .overwrite(key: "x-mcp-identity-digest", value: identity?.digest ?? "")],
                                                   remove: ["x-mcp-server"], clearRouteCache: true)
            if inBody {
                stream.reply(ProcessingResponse(response: .requestBody(BodyResponse(response: mutation))))
            } else {
                stream.reply(ProcessingResponse(response: .requestHeaders(HeadersResponse(response: mutation))))
            }
        case .forward(let plan):
            if plan.rpcMethod == "tools/call", !router.limiter.isEmpty,
               case .limited(let retry, let limit, let per) = router.limiter.check(
                   caller: identity?.digest ?? "anonymous", server: plan.server.name, tool: plan.publicName, now: WallClock.unixSeconds()) {
                context.observer.rateLimited(plan, caller: identity, requestID: requestID)
                let error = JSONRPCError(code: -32000, message: "Rate limit exceeded: \(limit) tool calls per \(PrometheusNumber.text(per)) s; retry in \(retry) s",
                                         dataJSON: "{\"retryAfterSeconds\":\(retry)}", fixedHTTPStatus: 429)
                var local = JSONRPCReply.errorReply(id: plan.rawID[...], error, era: plan.era)
                local.headers.append(("retry-after", String(retry)))
                sendImmediate(local, stream)
                return
            }
            self.plan = plan
            started = MonotonicClock.now()
            if plan.era == .handshake, let client = plan.clientSession {
                context.backendSessions.withSession(client: client, server: plan.server.name) { [self] result in
                    stream.onLoop { self.forwardWithSession(result, plan, stream) }
                }
            } else {
                sendForward(plan, backendSession: nil, stream)
            }
        }
    }

    private func forwardWithSession(_ result: Result<String, JSONRPCError>, _ plan: ForwardPlan, _ stream: ExternalProcessorStream) {
        switch result {
        case .success(let backend):
            self.backendSession = backend
            self.sendForward(plan, backendSession: backend, stream)
        case .failure(let error):
            self.reply(JSONRPCReply.errorReply(id: plan.rawID[...], error, era: plan.era), stream, inBody: true)
        }
    }

    private func sendForward(_ plan: ForwardPlan, backendSession: String?, _ stream: ExternalProcessorStream) {
        var set = plan.setHeaders.map { HeaderValueOption.overwrite(key: $0.0, value: $0.1) }
        if let backendSession, !backendSession.isEmpty {
            set.append(.overwrite(key: "mcp-session-id", value: backendSession))
        }
        var remove = plan.removeHeaders + ["x-mcp-route", "x-mcp-identity-digest"]
        if backendSession?.isEmpty == true { remove.append("mcp-session-id") }
        let common = CommonResponse(status: .continue,
                                    headerMutation: HeaderMutation(setHeaders: set, removeHeaders: remove),
                                    bodyMutation: BodyMutation(.body(plan.body)),
                                    clearRouteCache: true)
        stream.reply(ProcessingResponse(response: .requestBody(BodyResponse(response: common))))
    }

    func reply(_ local: LocalReply, _ stream: ExternalProcessorStream, inBody: Bool) {
        context.observer.answeredLocally(local, caller: identity, session: local.newSession ?? local.endedSession, requestID: requestID)
        sendImmediate(local, stream)
    }

    func sendImmediate(_ local: LocalReply, _ stream: ExternalProcessorStream) {
        var headers = [HeaderValueOption.overwrite(key: "content-type", value: local.contentType)]
        for (k, v) in local.headers { headers.append(.overwrite(key: k, value: v)) }
        var immediate = ImmediateResponse(code: Int32(local.status), headers: headers, body: "")
        immediate.body = local.body
        immediate.details = "mcp_gateway"
        stream.reply(.immediate(immediate))
    }
}


enum PrometheusNumber {
    static func text(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
}
