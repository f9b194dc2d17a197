import JSONWire
@testable import MCPGateway
import Testing

/// The bridge's core (2026-07-28 client → handshake-era server): the call's translation, the
/// sealed `requestState`, the pending-call table and one call's state machine.
@Suite struct ModernBridgeTests {
    static let envelope = #"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"elicitation":{"form":{}},"roots":{}},"io.modelcontextprotocol/clientInfo":{"name":"agent","version":"2.0","icons":[]},"io.modelcontextprotocol/logLevel":"warning","progressToken":7}"#

    func call(_ params: String = "", id: String = "5") throws -> ModernCall {
        try ModernCall(parsing: utf8(#"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"ask","arguments":{"a":1},\#(params)"_meta":\#(Self.envelope)}}"#))
    }

    func message(_ json: String) throws -> JSONRPCRequest { try JSONRPCRequest(parsing: utf8(json)[...]) }

    // MARK: the call

    @Test func theEnvelopeBecomesTheBackendInitialize() throws {
        let c = try call()
        #expect(try tree(c.clientInit) == tree(#"{"capabilities":{"elicitation":{"form":{}},"roots":{}},"clientInfo":{"name":"agent","version":"2.0"}}"#))
        #expect(c.logLevel == "warning" && c.target == "ask" && c.rawID == utf8("5"))
        #expect(c.declares("elicitation") && c.declares("roots") && !c.declares("sampling"))
        let backend = c.backendClient(identityDigest: "alice", now: 1)
        #expect(backend.protocolVersion == "2025-11-25" && backend.acceptsServerRequests && backend.clientInit == c.clientInit)
        // One backend session per caller and client shape.
        #expect(backend.nonce == c.backendClient(identityDigest: "alice", now: 9).nonce)
        #expect(backend.nonce != c.backendClient(identityDigest: "bob", now: 1).nonce)
    }

    @Test func theRequestGoesOutAsAHandshakeRequest() throws {
        let c = try call(#""inputResponses":{"input-1":{"action":"accept"}},"requestState":"s","#)
        #expect(c.inputResponses.map(\.key) == ["input-1"] && c.requestState == "s")
        // Envelope keys and retry fields gone, the gateway's id, progressToken kept.
        #expect(try tree(c.handshakeBody(id: utf8(#""mcpgw-bridge-1""#))) == tree(
            #"{"jsonrpc":"2.0","id":"mcpgw-bridge-1","method":"tools/call","params":{"name":"ask","arguments":{"a":1},"_meta":{"progressToken":7}}}"#))
    }

    // MARK: requestState

    let signer = SessionSigner(secret: utf8("bridge-test-secret-0123456789"), ttlSeconds: 60)

    @Test func requestStateOpensOnlyForItsCallerAndCall() throws {
        let alice = ModernBridge.caller(identityDigest: "alice")
        let state = ModernBridge.requestState(key: "k1", server: "old", method: "tools/call", target: "ask", caller: alice, signer: signer)
        #expect(!state.contains("k1") && !state.contains("old"))  // sealed and encrypted
        let opened = ModernBridge.pendingKey(state, method: "tools/call", target: "ask", caller: alice, signer: signer)
        #expect(opened?.key == "k1" && opened?.server == "old")
        // Another caller, another tool, a tampered or a foreign-purpose value: nothing.
        #expect(ModernBridge.pendingKey(state, method: "tools/call", target: "ask", caller: ModernBridge.caller(identityDigest: "bob"),
                                        signer: signer) == nil)
        #expect(ModernBridge.pendingKey(state, method: "tools/call", target: "other", caller: alice, signer: signer) == nil)
        var bytes = Array(state.utf8)
        bytes[10] = bytes[10] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(ModernBridge.pendingKey(String(decoding: bytes, as: UTF8.self), method: "tools/call", target: "ask", caller: alice,
                                        signer: signer) == nil)
        let requestID = ServerRequestID(server: "old", backendSession: "k1", rawID: utf8("tools/call ask")).sealed(for: alice, signer: signer)
        #expect(ModernBridge.pendingKey(String(decoding: requestID.dropFirst().dropLast(), as: UTF8.self), method: "tools/call",
                                        target: "ask", caller: alice, signer: signer) == nil)
        #expect(ModernBridge.pendingKey(state, method: "tools/call", target: "ask", caller: alice,
                                        signer: SessionSigner(secret: utf8("another-secret-0123456789"), ttlSeconds: 60)) == nil)
    }

    // MARK: results

    @Test func resultsBecome2026Results() throws {
        let reply = ModernReply.complete(try message(#"{"jsonrpc":"2.0","id":"mcpgw-bridge-1","result":{"content":[],"resultType":"x"}}"#),
                                         method: "tools/call", clientID: utf8("9"))
        #expect(try tree(reply!) == tree(#"{"jsonrpc":"2.0","id":9,"result":{"content":[],"resultType":"complete"}}"#))
        let read = ModernReply.complete(try message(#"{"jsonrpc":"2.0","id":1,"result":{"contents":[]}}"#), method: "resources/read", clientID: utf8("2"))
        #expect(try tree(read!)["result"] == tree(#"{"contents":[],"resultType":"complete","ttlMs":0,"cacheScope":"private"}"#))
        let missing = ModernReply.complete(try message(#"{"jsonrpc":"2.0","id":1,"error":{"code":-32002,"message":"no such resource","data":{"uri":"x"}}}"#),
                                           method: "resources/read", clientID: utf8("\"a\""))
        #expect(try tree(missing!) == tree(#"{"jsonrpc":"2.0","id":"a","error":{"code":-32602,"message":"no such resource","data":{"uri":"x"}}}"#))
        #expect(ModernReply.complete(try message(#"{"jsonrpc":"2.0","method":"notifications/progress","params":{}}"#), method: "tools/call",
                                     clientID: utf8("1")) == nil)
    }

    @Test func serverRequestsBecomeInputRequests() throws {
        let request = ModernReply.inputRequest(try message(#"{"jsonrpc":"2.0","id":3,"method":"elicitation/create","params":{"message":"name?"}}"#),
                                               key: "input-1")!
        #expect(request == ModernReply.InputRequest(key: "input-1", method: "elicitation/create", params: utf8(#"{"message":"name?"}"#),
                                                    backendID: utf8("3")))
        let required = ModernReply.inputRequired(clientID: utf8("4"), requests: [request], requestState: "st")
        #expect(try tree(required) == tree(
            #"{"jsonrpc":"2.0","id":4,"result":{"resultType":"input_required","inputRequests":{"input-1":{"method":"elicitation/create","params":{"message":"name?"}}},"requestState":"st"}}"#))
        #expect(text(ModernReply.answer(backendID: utf8("3"), value: utf8(#"{"action":"decline"}"#)))
                == #"{"jsonrpc":"2.0","id":3,"result":{"action":"decline"}}"#)
        #expect(ModernReply.undeclared("sampling", server: "old").message.contains("\"old\"")
                && ModernReply.undeclared("sampling", server: "old").code == -32021)
    }

    @Test func logMessagesReachOnlyRequestsThatAskedForThem() throws {
        let warning = try message(#"{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"warning","data":"w"}}"#)
        let info = try message(#"{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"i"}}"#)
        #expect(ModernReply.passes(warning, logLevel: "warning") && !ModernReply.passes(info, logLevel: "warning"))
        #expect(!ModernReply.passes(warning, logLevel: nil))
        #expect(ModernReply.passes(try message(#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}"#), logLevel: nil))
        #expect(!ModernReply.passes(try message(#"{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}"#), logLevel: "debug"))
    }

    // MARK: the pending-call table

    @Test func theTableIsBoundedAndBindsCallsToTheirCaller() {
        var table = PendingBridgeTable<Int>(capacity: 2)
        let first = table.admit(key: "a", call: 1, caller: "alice"), second = table.admit(key: "b", call: 2, caller: "bob")
        let third = table.admit(key: "c", call: 3, caller: "alice")
        #expect(first && second && !third)  // the third: full
        #expect(table.count == 2 && table.parkedCount == 0)
        guard case .busy = table.resume(key: "a", caller: "alice") else { Issue.record("a running call is not resumable"); return }
        let parked = table.park(key: "a", deadline: 100)
        #expect(parked && table.parkedCount == 1)
        guard case .otherCaller = table.resume(key: "a", caller: "bob") else { Issue.record("bob resumed alice's call"); return }
        guard case .resumed(1) = table.resume(key: "a", caller: "alice") else { Issue.record("alice could not resume"); return }
        guard case .unknown = table.resume(key: "zzz", caller: "alice") else { Issue.record("unknown key resumed"); return }
        let finished = table.finish(key: "b"), again = table.finish(key: "b")
        #expect(finished == 2 && again == nil && table.count == 1)
        let admitted = table.admit(key: "c", call: 3, caller: "alice")
        #expect(admitted)
    }

    @Test func parkedCallsExpireAtTheirDeadline() {
        var table = PendingBridgeTable<Int>(capacity: 4)
        _ = table.admit(key: "a", call: 1, caller: "")
        _ = table.admit(key: "b", call: 2, caller: "")
        _ = table.admit(key: "c", call: 3, caller: "")
        table.park(key: "a", deadline: 10)
        table.park(key: "b", deadline: 20)
        let early = table.expired(now: 9), due = table.expired(now: 10), late = table.expired(now: 1000)
        #expect(early.isEmpty && due == [1])
        #expect(late == [2])  // c is running: it never expires here
        #expect(table.count == 1 && table.parkedCount == 0)
        guard case .unknown = table.resume(key: "a", caller: "") else { Issue.record("an expired call resumed"); return }
    }

    // MARK: one call

    struct Waiter: BridgeWaiter {
        let id: UInt64
        let logLevel: String?
        var progressToken: [UInt8]? = nil
    }

    @Test func aCallAsksForInputThenTakesTheRetry() throws {
        var call = BridgedCallState<Waiter>()
        guard case .none = call.attach(Waiter(id: 1, logLevel: "info", progressToken: utf8("7")), responses: []).delivery else {
            Issue.record("nothing to deliver yet"); return
        }
        guard case .forward(let w, _) = call.received(try message(#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":7,"progress":1}}"#)),
              w.id == 1 else { Issue.record("progress not forwarded"); return }
        guard case .askInput(let asked, let requests) = call.received(try message(#"{"jsonrpc":"2.0","id":0,"method":"roots/list"}"#)),
              asked.id == 1, requests.map(\.key) == ["input-1"] else { Issue.record("no input_required"); return }
        #expect(call.waiter == nil && call.asked.count == 1)
        // Nobody waits: the next server request is queued; the retry answers input-1 and is asked input-2.
        guard case .none = call.received(try message(#"{"jsonrpc":"2.0","id":1,"method":"sampling/createMessage","params":{}}"#)) else {
            Issue.record("delivered to nobody"); return
        }
        let retry = call.attach(Waiter(id: 2, logLevel: nil), responses: [("input-1", utf8(#"{"roots":[]}"#)), ("bogus", utf8("{}"))])
        #expect(retry.answers.map(text) == [#"{"jsonrpc":"2.0","id":0,"result":{"roots":[]}}"#])
        guard case .askInput(let second, let more) = retry.delivery, second.id == 2, more.map(\.key) == ["input-2"] else {
            Issue.record("queued request not asked"); return
        }
        // The reply arrives while nobody waits: the next retry gets it; the call is then over.
        guard case .none = call.received(try message(#"{"jsonrpc":"2.0","id":"mcpgw-bridge-k","result":{"content":[]}}"#)) else {
            Issue.record("delivered to nobody"); return
        }
        let last = call.attach(Waiter(id: 3, logLevel: nil), responses: [("input-2", utf8("{}"))])
        guard case .finish(let w3, .reply) = last.delivery, w3.id == 3 else { Issue.record("reply not delivered"); return }
        #expect(last.answers.count == 1 && call.ended)
        guard case .finish(_, .failed) = call.attach(Waiter(id: 4, logLevel: nil), responses: []).delivery else {
            Issue.record("an ended call took a request"); return
        }
    }

    // Regression: progress of a call continued by a retry carried the first request's token, so
    // the client (waiting on the retry, with a token of its own) dropped it.
    @Test func progressCarriesTheWaitingRequestsToken() throws {
        var call = BridgedCallState<Waiter>()
        let progress = #"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"first","progress":2,"total":3}}"#
        _ = call.attach(Waiter(id: 1, logLevel: nil, progressToken: utf8(#""first""#)), responses: [])
        _ = call.received(try message(#"{"jsonrpc":"2.0","id":0,"method":"roots/list"}"#))  // parks: the client retries
        _ = call.attach(Waiter(id: 2, logLevel: nil, progressToken: utf8("42")), responses: [("input-1", utf8(#"{"roots":[]}"#))])
        guard case .forward(_, let body) = call.received(try message(progress)) else { Issue.record("progress not forwarded"); return }
        #expect(text(body) == #"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":42,"progress":2,"total":3}}"#)
        // A waiting request that asked for no progress gets none.
        var quiet = BridgedCallState<Waiter>()
        _ = quiet.attach(Waiter(id: 3, logLevel: nil), responses: [])
        guard case .none = quiet.received(try message(progress)) else { Issue.record("unasked progress forwarded"); return }
    }

    @Test func theWaitingClientLeavingCancelsTheCall() throws {
        var call = BridgedCallState<Waiter>()
        _ = call.attach(Waiter(id: 1, logLevel: nil), responses: [])
        let other = call.detach(2), waiting = call.detach(1)
        #expect(!other && waiting && call.ended)  // 2 is not the waiting one
        guard case .none = call.received(try message(#"{"jsonrpc":"2.0","id":"x","result":{}}"#)) else { Issue.record("ended call delivered"); return }
        // A failure with nobody waiting is kept for the retry.
        var lone = BridgedCallState<Waiter>()
        guard case .none = lone.failed(.serverUnavailable("old", "gone")) else { Issue.record("delivered to nobody"); return }
        guard case .finish(_, .failed(let e)) = lone.attach(Waiter(id: 5, logLevel: nil), responses: []).delivery else {
            Issue.record("failure not delivered"); return
        }
        #expect(e.message.contains("old"))
    }
}
