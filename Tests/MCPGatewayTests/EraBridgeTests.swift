import JSONWire
@testable import MCPGateway
import Testing

/// A handshake-era client's call to a server that speaks only 2026-07-28: the request's
/// translation, the router's decision, and the input-required rounds as a value.
@Suite struct EraBridgeTests {
    static let clientInit = utf8(#"{"capabilities":{"elicitation":{"form":{}},"roots":{"listChanged":true}},"clientInfo":{"name":"agent","version":"2"}}"#)
    let session = Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "", clientInit: EraBridgeTests.clientInit,
                                       now: UInt64(Fixture.t0))

    func request(_ json: String) throws -> JSONRPCRequest { try JSONRPCRequest(parsing: utf8(json)[...]) }

    @Test func theEnvelopeGoesLastInMetaAndKeepsTheClientsOwnMeta() throws {
        let call = try request(#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"a":1},"_meta":{"progressToken":7,"io.modelcontextprotocol/protocolVersion":"forged"}}}"#)
        let out = try tree(try #require(ModernCallEnvelope.body(call, session: session, logLevel: "warning")))
        let meta = try #require(out["params"]?["_meta"])
        #expect(meta["progressToken"]?.intValue == 7)
        #expect(meta["io.modelcontextprotocol/protocolVersion"]?.stringValue == "2026-07-28", "the last duplicate wins: the gateway's")
        #expect(meta["io.modelcontextprotocol/clientCapabilities"] == (try tree(#"{"elicitation":{"form":{}},"roots":{"listChanged":true}}"#)))
        #expect(meta["io.modelcontextprotocol/clientInfo"] == (try tree(#"{"name":"agent","version":"2"}"#)))
        #expect(meta["io.modelcontextprotocol/logLevel"]?.stringValue == "warning")
        #expect(out["params"]?["arguments"]?["a"]?.intValue == 1)
    }

    @Test func aCallWithoutMetaGetsOne() throws {
        let call = try request(#"{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"mem://x"}}"#)
        let out = try tree(try #require(ModernCallEnvelope.body(call, session: session, logLevel: nil)))
        #expect(out["params"]?["uri"]?.stringValue == "mem://x")
        #expect(out["params"]?["_meta"]?["io.modelcontextprotocol/logLevel"] == nil)
        let empty = try request(#"{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{}}"#)
        #expect(try tree(try #require(ModernCallEnvelope.body(empty, session: session, logLevel: nil)))["params"]?["_meta"] != nil)
    }

    @Test func headersNameMethodNameAndAnnotatedArguments() throws {
        let call = try request(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"wetter.müller","arguments":{"region":"eu","n":3,"skip":null,"plain":"x"}}}"#)
        let tool = utf8(#"{"name":"wetter.müller","inputSchema":{"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"},"n":{"type":"integer","x-mcp-header":"N"},"skip":{"type":"string","x-mcp-header":"Skip"},"plain":{"type":"string"},"bad":{"type":"string","x-mcp-header":"a b"}}}}"#)
        let headers = Dictionary(uniqueKeysWithValues: ModernCallEnvelope.headers(call, tool: tool).map { ($0.0, $0.1) })
        #expect(headers == ["mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "=?base64?d2V0dGVyLm3DvGxsZXI=?=",
                            "mcp-param-region": "eu", "mcp-param-n": "3"])
    }

    @Test func handshakeResponseDropsResultTypeOnly() {
        #expect(text(ModernCallEnvelope.handshakeResponse(utf8(#"{"jsonrpc":"2.0","id":1,"result":{"content":[],"resultType":"complete","isError":false}}"#)))
                == #"{"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":false}}"#)
        #expect(text(ModernCallEnvelope.handshakeResponse(utf8(#"{"jsonrpc":"2.0","id":1,"result":{"content":[], "resultType":"complete"}}"#)))
                == #"{"jsonrpc":"2.0","id":1,"result":{"content":[]}}"#)
        let error = #"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"x"}}"#
        #expect(text(ModernCallEnvelope.handshakeResponse(utf8(error))) == error)
    }

    // MARK: input-required rounds

    static let call = utf8(#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"ask","arguments":{}}}"#)

    @Test func inputRequestsBecomeQuestionsThenOneRetryWithEveryAnswerAndTheStateVerbatim() throws {
        var x = InputRequiredExchange(server: "newsrv", callBody: Self.call, clientCapabilities: ModernCallEnvelope.clientFact("capabilities", of: session))
        let step = x.inputRequired(utf8(#"{"resultType":"input_required","inputRequests":{"who":{"method":"elicitation/create","params":{"message":"Name?","requestedSchema":{}}},"where":{"method":"roots/list"}},"requestState":"v1.opaque\u002f=="}"#))
        guard case .ask(let questions) = step else { Issue.record("expected questions, got \(step)"); return }
        #expect(questions.map(\.key) == ["who", "where"])
        #expect(questions.map(\.method) == ["elicitation/create", "roots/list"])
        #expect(text(questions[1].params) == "{}")
        #expect(x.answered(key: "where", result: utf8(#"{"roots":[]}"#)) == .wait)
        #expect(x.answered(key: "nobody", result: utf8("{}")) == .wait, "an unknown key changes nothing")
        guard case .retry(let body) = x.answered(key: "who", result: utf8(#"{"action":"accept","content":{"name":"Ada"}}"#)) else {
            Issue.record("expected a retry"); return
        }
        #expect(text(body).hasSuffix(#""arguments":{},"inputResponses":{"where":{"roots":[]},"who":{"action":"accept","content":{"name":"Ada"}}},"requestState":"v1.opaque\u002f=="}}"#),
                "state byte for byte, as the server sent it")
        #expect(x.outstanding.isEmpty && x.rounds == 1)
    }

    @Test func aRequestTheClientDidNotDeclareIsNeverAskedAndNamesServerAndFeature() {
        var x = InputRequiredExchange(server: "newsrv", callBody: Self.call, clientCapabilities: utf8(#"{"elicitation":{"form":{}}}"#))
        guard case .fail(let e) = x.inputRequired(utf8(#"{"resultType":"input_required","inputRequests":{"m":{"method":"sampling/createMessage","params":{}}}}"#)) else {
            Issue.record("expected a failure"); return
        }
        #expect(e.code == -32021 && e.message.contains("newsrv") && e.message.contains("sampling"))
        var url = InputRequiredExchange(server: "newsrv", callBody: Self.call, clientCapabilities: utf8(#"{"elicitation":{}}"#))
        guard case .fail(let u) = url.inputRequired(utf8(#"{"inputRequests":{"u":{"method":"elicitation/create","params":{"mode":"url","url":"https://x"}}}}"#)) else {
            Issue.record("expected a failure"); return
        }
        #expect(u.message.contains("URL elicitation"))
    }

    @Test func roundsAreBounded() {
        var x = InputRequiredExchange(server: "newsrv", callBody: Self.call, clientCapabilities: nil, maxRounds: 2)
        let stateOnly = utf8(#"{"resultType":"input_required","requestState":"s"}"#)
        guard case .retry = x.inputRequired(stateOnly), case .retry = x.inputRequired(stateOnly) else { Issue.record("expected retries"); return }
        guard case .fail(let e) = x.inputRequired(stateOnly) else { Issue.record("expected the bound"); return }
        #expect(e.message.contains("newsrv") && e.message.contains("2 times"))
        var none = InputRequiredExchange(server: "newsrv", callBody: Self.call, clientCapabilities: nil)
        guard case .fail = none.inputRequired(utf8(#"{"resultType":"input_required"}"#)) else { Issue.record("nothing to do must fail"); return }
    }

    @Test func anAnswerIDLeadsToItsExchangeOnlyForItsSession() throws {
        let id = InputAnswer.requestID(server: "newsrv", exchange: "ex1", key: "who").sealed(for: session, signer: Fixture.signer)
        let idText = try #require(try JSONScanner(id[...]).string(at: JSONScanner(id[...]).root))
        let opened = try #require(ServerRequestID.open(idText, for: session, signer: Fixture.signer))
        #expect(InputAnswer(opened, response: []) == InputAnswer(exchangeForTest: "ex1", key: "who"))
        let other = Fixture.signer.issue(protocolVersion: "2025-11-25", identityDigest: "", now: UInt64(Fixture.t0))
        #expect(ServerRequestID.open(idText, for: other, signer: Fixture.signer) == nil)
        #expect(InputAnswer(ServerRequestID(server: "s", backendSession: "b-1", rawID: utf8("1")), response: []) == nil)
    }

    // MARK: routing

    static func harness() -> RouterHarness {
        var config = Fixture.config()
        config.servers.append(ServerConfig(name: "newsrv", url: "http://newsrv:8000/mcp"))
        return RouterHarness(config: config, states: Fixture.states.merging(["newsrv": .up(DiscoveredServer(
            name: "newsrv", tools: [["name": "echo", "inputSchema": ["type": "object"]]], speaksHandshake: false, speaksModern: true))]) { a, _ in a })
    }

    @Test func aSessionsCallIsRelayedWithoutBackendSession() throws {
        let h = Self.harness()
        let token = try #require(h.openSession())
        let d = h.post(#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"newsrv_echo","arguments":{}}}"#, session: token,
                       version: "2025-11-25")
        guard case .forward(let plan) = d else { Issue.record("expected a forward, got \(d)"); return }
        #expect(plan.relayed && plan.backendSession == "" && plan.era == .handshake)
        #expect(text(plan.body).contains(#""name":"echo""#))
        #expect(!plan.removeHeaders.contains("mcp-session-id"), "the relay port checks the client's session")
    }

    @Test func aSessionlessCallIsTranslatedOnTheDirectPath() throws {
        let d = Self.harness().post(#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"newsrv_echo","arguments":{}}}"#)
        guard case .forward(let plan) = d else { Issue.record("expected a forward, got \(d)"); return }
        #expect(!plan.relayed && plan.backendSession == "" && plan.sessionless == nil)
        #expect(plan.header("mcp-protocol-version") == "2026-07-28" && plan.header("mcp-method") == "tools/call" && plan.header("mcp-name") == "echo")
        #expect(plan.header("content-length") == String(plan.body.count) && plan.removeHeaders.contains("mcp-session-id"))
        #expect(try tree(plan.body)["params"]?["_meta"]?["io.modelcontextprotocol/protocolVersion"]?.stringValue == "2026-07-28")
    }
}

extension InputAnswer {
    init(exchangeForTest exchange: String, key: String) {
        self.init(ServerRequestID(server: "x", backendSession: "mrtr:" + exchange, rawID: Array("\"\(key)\"".utf8)), response: [])!
    }
}
