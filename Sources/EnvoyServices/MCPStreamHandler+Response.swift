import EnvoyProto
import HTTP2
import MCPGateway
import ProtoWire

/// The response side of a forwarded call, for Envoy configs that still send response headers
/// (`response_header_mode: SEND`; the shipped configs skip it and let Envoy's route, local-reply
/// mapper and access log do this): map the session id back, turn Envoy's own 502–504 into a
/// JSON-RPC error naming the server, and recover a backend session the server forgot, transparently.
extension MCPStreamHandler {
    // MARK: response headers

    /// Marks the request as reported, so Envoy's access log entry for it is not counted twice.
    static let counted = ProtoStruct.encodedNamespace(ForwardRecord.metadataNamespace, strings: [("counted", "1")])

    func responseHeaders(_ h: HttpHeaders, _ stream: ExternalProcessorStream) {
        guard let plan else {
            stream.reply(.continueResponseHeaders)
            return
        }
        let status = Int(h.firstString(":status") ?? "") ?? 0
        let contentType = h.firstString("content-type") ?? ""
        // Not for relayed calls (a 404 there is the gateway's own port refusing the session) nor for
        // a sessionless call's one-off backend session (a retry would open another, never ended).
        if status == 404, plan.era == .handshake, !plan.relayed, plan.sessionless != .perCall,
           let client = plan.clientSession, let expired = backendSession {
            recoverExpiredSession(plan, client: client, expired: expired, stream)
            return
        }
        let record = ForwardRecord(plan: plan, backendSession: backendSession)
        if let failure = h.firstString("x-mcp-error"), failure == "timeout" || failure == "unavailable" {
            // Envoy's local-reply mapper already wrote the JSON-RPC error (shipped configs); only report it.
            let status = failure == "timeout" ? 504 : 503
            context.observer.forwarded(record, caller: identity, requestID: requestID, status: status,
                                       outcome: ForwardRecord.outcome(status: status, serverUnreachable: status == 503, timedOut: status == 504),
                                       seconds: MonotonicClock.now() - started)
            stream.reply(ProcessingResponse(response: .responseHeaders(HeadersResponse()), encodedMetadata: Self.counted))
            return
        }
        if (502...504).contains(status) && !contentType.contains("json") && !contentType.contains("event-stream") {
            let why = status == 504 ? "it did not answer within its timeout" : "the gateway could not reach it (HTTP \(status))"
            context.observer.forwarded(record, caller: identity, requestID: requestID, status: status,
                                       outcome: ForwardRecord.outcome(status: status, serverUnreachable: status != 504, timedOut: status == 504),
                                       seconds: MonotonicClock.now() - started)
            sendImmediate(JSONRPCReply.errorReply(id: plan.rawID[...], .serverUnavailable(plan.server.name, why), era: plan.era), stream, metadata: Self.counted)
            return
        }
        if (200..<300).contains(status) && status != 202 && !contentType.hasPrefix("application/json") && !contentType.hasPrefix("text/event-stream") {
            // Not an MCP reply at all: say which server misbehaved instead of passing its page on.
            context.observer.forwarded(record, caller: identity, requestID: requestID, status: status, outcome: "error",
                                       seconds: MonotonicClock.now() - started)
            let why = "it answered with content-type \"\(contentType)\" instead of JSON or an event stream"
            sendImmediate(JSONRPCReply.errorReply(id: plan.rawID[...], .serverUnavailable(plan.server.name, why), era: plan.era), stream, metadata: Self.counted)
            return
        }
        context.observer.forwarded(record, caller: identity, requestID: requestID, status: status,
                                   outcome: ForwardRecord.outcome(status: status, serverUnreachable: false, timedOut: false),
                                   seconds: MonotonicClock.now() - started)
        var set: [HeaderValueOption] = []
        var remove: [String] = []
        if plan.era == .handshake, let client = plan.clientSession, !client.token.isEmpty {
            set.append(.overwrite(key: "mcp-session-id", value: client.token))
        } else {
            remove.append("mcp-session-id")
        }
        stream.reply(ProcessingResponse(response: .responseHeaders(HeadersResponse(response: .mutating(set: set, remove: remove))),
                                        encodedMetadata: Self.counted))
    }

    /// The server forgot our backend session: open a new one and re-send the request ourselves,
    /// so the client never sees the 404 (its own session is still valid).
    private func recoverExpiredSession(_ plan: ForwardPlan, client: ClientSession, expired: String, _ stream: ExternalProcessorStream) {
        context.backendSessions.invalidate(client: client, server: plan.server.name, backendSession: expired)
        context.backendSessions.withSession(client: client, server: plan.server.name, replacing: expired) { [self] result in
            stream.onLoop { self.retry(result, plan, client: client, stream) }
        }
    }

    private func retry(_ result: Result<String, JSONRPCError>, _ plan: ForwardPlan, client: ClientSession, _ stream: ExternalProcessorStream) {
        switch result {
        case .failure(let error):
            self.finish(JSONRPCReply.errorReply(id: plan.rawID[...], error, era: plan.era), stream)
        case .success(let fresh):
            self.context.retryDirect(plan, fresh) { outcome in
                stream.onLoop { self.finishRetry(outcome, plan, client: client, stream) }
            }
        }
    }

    private func finishRetry(_ outcome: Result<DirectReply, JSONRPCError>, _ plan: ForwardPlan, client: ClientSession,
                             _ stream: ExternalProcessorStream) {
        context.observer.forwarded(ForwardRecord(plan: plan, backendSession: backendSession), caller: identity, requestID: requestID,
                                   status: (try? outcome.get().status) ?? 502,
                                   outcome: ForwardRecord.outcome(status: (try? outcome.get().status) ?? 502,
                                                                  serverUnreachable: (try? outcome.get()) == nil, timedOut: false),
                                   seconds: MonotonicClock.now() - started)
        switch outcome {
        case .success(let direct):
            var headers = [HeaderValueOption.overwrite(key: "content-type", value: direct.contentType),
                           .overwrite(key: "mcp-session-id", value: client.token)]
            headers.append(.overwrite(key: "x-mcp-session-recovered", value: "1"))
            var immediate = ImmediateResponse(code: Int32(direct.status), headers: headers, body: "")
            immediate.body = direct.body
            stream.reply(ProcessingResponse(response: .immediateResponse(immediate), encodedMetadata: Self.counted))
        case .failure(let error):
            sendImmediate(JSONRPCReply.errorReply(id: plan.rawID[...], error, era: plan.era), stream, metadata: Self.counted)
        }
    }
}
