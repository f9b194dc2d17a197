import EnvoyProto
import HTTP2
import MCPGateway

/// The response side of a forwarded call: map the session id back, turn Envoy's own 502–504 into
/// a JSON-RPC error naming the server, and recover a backend session the server forgot.
extension MCPStreamHandler {
    // MARK: response headers

    func responseHeaders(_ h: HttpHeaders, _ stream: ExternalProcessorStream) {
        guard let plan else {
            stream.reply(.continueResponseHeaders)
            return
        }
        let status = Int(h.firstString(":status") ?? "") ?? 0
        let contentType = h.firstString("content-type") ?? ""
        if status == 404, plan.era == .handshake, let client = plan.clientSession, let expired = backendSession {
            recoverExpiredSession(plan, client: client, expired: expired, stream)
            return
        }
        if (502...504).contains(status) && !contentType.contains("json") && !contentType.contains("event-stream") {
            let why = status == 504 ? "it did not answer within its timeout" : "the gateway could not reach it (HTTP \(status))"
            context.observer.forwarded(plan, caller: identity, requestID: requestID, status: status,
                                       outcome: status == 504 ? "timeout" : "unavailable", seconds: MonotonicClock.now() - started)
            sendImmediate(JSONRPCReply.errorReply(id: plan.rawID[...], .serverUnavailable(plan.server.name, why), era: plan.era), stream)
            return
        }
        if (200..<300).contains(status) && status != 202 && !contentType.hasPrefix("application/json") && !contentType.hasPrefix("text/event-stream") {
            // Not an MCP reply at all: say which server misbehaved instead of passing its page on.
            context.observer.forwarded(plan, caller: identity, requestID: requestID, status: status, outcome: "error",
                                       seconds: MonotonicClock.now() - started)
            let why = "it answered with content-type \"\(contentType)\" instead of JSON or an event stream"
            sendImmediate(JSONRPCReply.errorReply(id: plan.rawID[...], .serverUnavailable(plan.server.name, why), era: plan.era), stream)
            return
        }
        context.observer.forwarded(plan, caller: identity, requestID: requestID, status: status,
                                   outcome: (200..<300).contains(status) ? "ok" : "error", seconds: MonotonicClock.now() - started)
        var set: [HeaderValueOption] = []
        var remove: [String] = []
        if plan.era == .handshake, let client = plan.clientSession {
            set.append(.overwrite(key: "mcp-session-id", value: client.token))
        } else {
            remove.append("mcp-session-id")
        }
        stream.reply(ProcessingResponse(response: .responseHeaders(HeadersResponse(response: .mutating(set: set, remove: remove)))))
    }

    /// The server forgot our backend session: open a new one and re-send the request ourselves,
    /// so the client never sees the 404 (its own session is still valid).
    private func recoverExpiredSession(_ plan: ForwardPlan, client: ClientSession, expired: String, _ stream: ExternalProcessorStream) {
        context.backendSessions.invalidate(client: client, server: plan.server.name, backendSession: expired)
        context.backendSessions.withSession(client: client, server: plan.server.name) { [self] result in
            stream.onLoop { self.retry(result, plan, client: client, stream) }
        }
    }

    private func retry(_ result: Result<String, JSONRPCError>, _ plan: ForwardPlan, client: ClientSession, _ stream: ExternalProcessorStream) {
        switch result {
        case .failure(let error):
            self.reply(JSONRPCReply.errorReply(id: plan.rawID[...], error, era: plan.era), stream, inBody: true)
        case .success(let fresh):
            self.context.retryDirect(plan, fresh) { outcome in
                stream.onLoop { self.finishRetry(outcome, plan, client: client, stream) }
            }
        }
    }

    private func finishRetry(_ outcome: Result<DirectReply, JSONRPCError>, _ plan: ForwardPlan, client: ClientSession,
                             _ stream: ExternalProcessorStream) {
        context.observer.forwarded(plan, caller: identity, requestID: requestID,
                                   status: (try? outcome.get().status) ?? 502,
                                   outcome: (try? outcome.get()).map { (200..<300).contains($0.status) ? "ok" : "error" } ?? "unavailable",
                                   seconds: MonotonicClock.now() - started)
        switch outcome {
        case .success(let direct):
            var headers = [HeaderValueOption.overwrite(key: "content-type", value: direct.contentType),
                           .overwrite(key: "mcp-session-id", value: client.token)]
            headers.append(.overwrite(key: "x-mcp-session-recovered", value: "1"))
            var immediate = ImmediateResponse(code: Int32(direct.status), headers: headers, body: "")
            immediate.body = direct.body
            stream.reply(.immediate(immediate))
        case .failure(let error):
            self.reply(JSONRPCReply.errorReply(id: plan.rawID[...], error, era: plan.era), stream, inBody: true)
        }
    }
}
