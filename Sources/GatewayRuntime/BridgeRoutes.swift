import AdminHTTP
import HTTPClient
import Logging
import MCPGateway
import Upstreams

extension MCPStreamEndpoint {
    /// A 2026-07-28 call ext_proc routed to the bridge (its server speaks only the handshake era):
    /// the ticket must have been sealed for this caller and this body, as for relayed calls; then
    /// `CallBridge` serves it (a first call or a retry with `requestState`) as an event stream.
    func bridgeCall(_ request: AdminRequest, head: MCPRequestHead, ticket text: String, router: MCPRouter) -> AdminResult {
        guard let bridge else { return error(404, "this gateway bridges no calls") }
        let caller = ModernBridge.caller(identityDigest: head.identityDigest)
        guard let ticket = RelayTicket.open(text, for: caller, body: request.body, signer: router.signer,
                                            now: UInt64(WallClock.unixSeconds())) else {
            return error(403, "relay ticket refused: not issued by this gateway for this caller and body, or expired")
        }
        let call: ModernCall
        do { call = try ModernCall(parsing: request.body) } catch {
            return .response(AdminResponse(status: 400, contentType: "application/json", bytes: JSONRPCReply.error(id: nil, error)))
        }
        let slot: StreamQuota.Ticket
        switch admit(nil, head, router) {
        case .failure(let refused): return Self.refusal(refused, era: .modern)
        case .success(let t): slot = t
        }
        // ext_proc removed these unless the server's config forwards them (forwardAuthorization).
        let forwarded = ["authorization", "proxy-authorization", "cookie"].compactMap { name in request.header(name).map { (name, $0) } }
        return .stream(status: 200, headers: Self.sseHeaders) { [quota] stream in
            stream.onClose { quota.release(slot) }
            let left = bridge.serve(call, server: ticket.server, caller: head.identityDigest, signer: router.signer, loop: stream.loop,
                                    clientHeaders: forwarded, send: { stream.send($0) }, finish: { stream.close() })
            stream.onClose { left() }
        }
    }
}
