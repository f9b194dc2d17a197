@testable import MCPGateway
import Testing

/// The record ext_proc hands Envoy for a forwarded request, and reads back from the access log.
@Suite struct ForwardRecordTests {
    let h = RouterHarness()

    @Test func handshakeCallCarriesTheClientSessionAndRawID() throws {
        let token = try #require(h.openSession())
        let plan = try #require(h.post(#"{"jsonrpc":"2.0","id":"a\"b","method":"tools/call","params":{"name":"phys_velocity","arguments":{"d":1}}}"#,
                                       session: token).forwardPlan)
        let record = ForwardRecord(plan: plan, backendSession: "backend-7")
        #expect(record.server == "phys")
        #expect(record.rpcMethod == "tools/call")
        #expect(record.tool == "phys_velocity")
        #expect(record.clientSession == token)  // Envoy's route puts exactly this back on the response
        #expect(record.backendSession == "backend-7")
        #expect(record.rawID == #""a\"b""#)  // raw JSON, so Envoy's error body echoes the id unchanged
        #expect(!record.sessionRef.isEmpty && !token.contains(record.sessionRef))
        #expect(record.sessionRef == plan.clientSession?.auditReference)
    }

    @Test func modernCallHasNoSessionToPutBack() throws {
        let body = utf8(modernBody(id: "77", method: "tools/call", params: #"{"name":"calc_add","arguments":{}}"#))
        let head = MCPRequestHead(method: "POST", path: "/mcp", protocolVersion: "2026-07-28", mcpMethod: "tools/call", mcpName: "calc_add")
        let plan = try #require(h.post(body, head: head).forwardPlan)
        let record = ForwardRecord(plan: plan, backendSession: nil)
        #expect(record.clientSession == "" && record.backendSession == "")
        #expect(record.rawID == "77")
        let keys = record.fields.map(\.0)
        #expect(!keys.contains("session") && !keys.contains("backend_session"))
    }

    @Test func fieldsRoundTripThroughEnvoyMetadata() {
        let record = ForwardRecord(server: "calc", rpcMethod: "tools/call", tool: "calc_add", clientSession: "g1.x.y",
                                   sessionRef: "ref", backendSession: "b-1", rawID: "5", argumentNames: ["a", "b"])
        let map = Dictionary(uniqueKeysWithValues: record.fields)
        let back = ForwardRecord(fields: { map[$0] })
        #expect(back == record)
    }

    @Test func theCallerAuthenticatedInExtProcRoundTrips() {
        var record = ForwardRecord(server: "calc", rpcMethod: "tools/call", tool: "calc_add")
        record.caller = CallerIdentity(subject: "system:serviceaccount:agents:calc", groups: ["g"], serviceAccount: "agents/calc",
                                       method: "kubernetes")
        let map = Dictionary(uniqueKeysWithValues: record.fields)
        #expect(map["caller"] == "system:serviceaccount:agents:calc" && map["caller_sa"] == "agents/calc")
        let back = ForwardRecord(fields: { map[$0] })
        // Groups matter only at the door: they do not travel.
        #expect(back?.caller == CallerIdentity(subject: "system:serviceaccount:agents:calc", serviceAccount: "agents/calc", method: "kubernetes"))
        #expect(back?.caller?.digest == record.caller?.digest)
        // Without a caller (ext_authz in front, or no auth) nothing is written.
        #expect(!ForwardRecord(server: "calc", rpcMethod: "tools/call").fields.contains { $0.0.hasPrefix("caller") })
    }

    @Test func entriesWithoutAServerAreNotOurs() {
        #expect(ForwardRecord(fields: { _ in nil }) == nil)
        #expect(ForwardRecord(fields: { $0 == "method" ? "tools/call" : nil }) == nil)
        #expect(ForwardRecord(fields: { $0 == "server" ? "calc" : nil }) == nil)
    }

    @Test(arguments: [
        (200, false, false, "ok"), (204, false, false, "ok"), (404, false, false, "error"), (500, false, false, "error"),
        (200, false, true, "timeout"), (504, false, false, "timeout"), (200, true, false, "unavailable"), (503, true, false, "unavailable"),
    ])
    func outcomeFromWhatEnvoySaw(_ status: Int, _ unreachable: Bool, _ timedOut: Bool, _ expected: String) {
        #expect(ForwardRecord.outcome(status: status, serverUnreachable: unreachable, timedOut: timedOut) == expected)
    }
}
