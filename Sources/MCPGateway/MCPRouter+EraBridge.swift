import JSONWire

/// A handshake-era client's request for a server that speaks only 2026-07-28.
///
/// Calls of a client session are relayed by the gateway (`ModernCallBridge`): it adds the
/// 2026-07-28 envelope and headers, turns input-required results into server→client requests on
/// the call's stream, and closes the server's request when the client cancels. A plain client
/// without a session (it can neither answer server requests nor cancel) keeps Envoy's direct path
/// with the body and headers translated here. What the server cannot do for a handshake-era
/// client is refused with an error naming the server and the feature. (`resources/subscribe` is
/// held by the gateway itself: `holdSubscription`.)
extension MCPRouter {
    func bridgeToModern(_ request: JSONRPCRequest, _ plan: ForwardPlan, entry: FederatedEntry?) -> RouteDecision {
        let id = request.rawID
        var plan = plan
        // No backend session: 2026-07-28 has none.
        plan.backendSession = ""
        if let session = plan.clientSession, !session.token.isEmpty {
            // (The relay port checks the client's session header: it stays.)
            plan.relayed = true
            return .forward(plan)
        }
        plan.removeHeaders.append("mcp-session-id")
        guard let translated = try? JSONRPCRequest(parsing: plan.body[...]),
              let enveloped = ModernCallEnvelope.body(translated, session: plan.clientSession
                  ?? ImplicitSession.for(identityDigest: "", protocolVersion: nil, now: 0), logLevel: nil) else {
            return .reply(JSONRPCReply.errorReply(id: id, .invalidParams("\(request.method) needs a params object"), era: .handshake))
        }
        plan.body = enveloped
        plan.setHeaders = plan.setHeaders.filter { $0.0 != "content-length" } + [("content-length", String(enveloped.count))]
            + ModernCallEnvelope.headers(translated, tool: entry.map { $0.json(for: .modern) })
        return .forward(plan)
    }
}
