/// A handshake-era client's `resources/subscribe` / `unsubscribe` of a resource of a server that
/// speaks only 2026-07-28.
///
/// That server has no `resources/subscribe` (nor a session to hold one): its updates go to
/// `subscriptions/listen` streams. So the gateway answers `{}` itself and remembers the URI for
/// the client session (`BridgedSubscriptions`, bounded); while the client's GET stream is open
/// the gateway holds a listen on the server for the session's URIs and relays each update there
/// with the federated URI, as a handshake-era server's own update would arrive.
extension MCPRouter {
    func holdSubscription(_ request: JSONRPCRequest, _ plan: ForwardPlan, catalog: CatalogSnapshot) -> RouteDecision {
        let id = request.rawID
        let server = plan.server.name
        guard let session = plan.clientSession, !session.token.isEmpty else {
            return .reply(JSONRPCReply.errorReply(id: id, .missingSession(), era: .handshake))
        }
        if request.method == "resources/unsubscribe" {
            subscriptions.unsubscribe(session, server: server, uri: plan.originalName)
            return .reply(Self.emptyResult(id))
        }
        guard case .up(let found)? = catalog.serverStates[server], found.subscribes else {
            return .reply(JSONRPCReply.errorReply(id: id, JSONRPCError(
                code: JSONRPCError.methodNotFoundCode,
                message: "server \(server) speaks only 2026-07-28 and offers no resource subscriptions (its subscriptions/listen does not take them)"),
                era: .handshake))
        }
        if let refused = subscriptions.subscribe(session, server: server, uri: plan.originalName,
                                                 expires: Double(session.issuedAt) + signer.ttlSeconds, now: clock(),
                                                 limits: config.limits.bridgedSubscriptionLimits) {
            return .reply(JSONRPCReply.errorReply(id: id, refused, era: .handshake))
        }
        return .reply(Self.emptyResult(id))
    }

    static func emptyResult(_ id: ArraySlice<UInt8>?) -> LocalReply {
        LocalReply(status: 200, body: JSONRPCReply.result(id: id) { w in w.beginObject(); w.endObject() })
    }
}
