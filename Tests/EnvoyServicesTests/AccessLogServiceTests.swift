import EnvoyProto
@testable import EnvoyServices
import JSONWire
import Logging
import MCPGateway
import ProtoWire
import Synchronization
import Testing

/// Envoy's access log closing the loop on forwarded calls: the record ext_proc wrote comes back
/// with the status and duration, and reaches the observer (metrics, audit) and the backend
/// session upkeep. Batches are built with the EnvoyProto encoders, as Envoy would send them.
@Suite struct AccessLogServiceTests {
    /// Everything the service reported.
    final class Recorder: MCPRequestObserver, Sendable {
        struct Forwarded: Sendable {
            var record: ForwardRecord
            var caller: CallerIdentity?
            var requestID: String?
            var status: Int
            var outcome: String
            var seconds: Double
        }
        let forwardedCalls = Mutex<[Forwarded]>([])
        let ended = Mutex<[String]>([])
        var all: [Forwarded] { forwardedCalls.withLock { $0 } }

        func forwarded(_ record: ForwardRecord, caller: CallerIdentity?, requestID: String?, status: Int, outcome: String, seconds: Double) {
            forwardedCalls.withLock { $0.append(Forwarded(record: record, caller: caller, requestID: requestID, status: status, outcome: outcome, seconds: seconds)) }
        }
        func answeredLocally(_ reply: LocalReply, caller: CallerIdentity?, session: ClientSession?, requestID: String?) {}
        func forwarding(_ plan: ForwardPlan) {}
        func rateLimited(_ plan: ForwardPlan, caller: CallerIdentity?, requestID: String?) {}
    }

    let recorder = Recorder()
    /// Backend sessions the table asked for.
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
        func next() -> Int { value.add(1, ordering: .relaxed).newValue }
    }

    let creations = Counter()
    let context: MCPProcessorContext
    let handler: AccessLogCallHandler
    let signer = SessionSigner(secret: Array("access-log-test-secret-0123456789".utf8), ttlSeconds: 3600)
    let alice = CallerIdentity(subject: "alice", groups: ["dev"], method: "jwt")

    init() {
        let config = GatewayConfig(servers: [ServerConfig(name: "calc", url: "http://calc:8000/mcp")])
        let catalog = CatalogStore(config: config)
        catalog.update(server: "calc", to: .up(DiscoveredServer(name: "calc", tools: [["name": "add", "inputSchema": ["type": "object"]]])))
        let creations = self.creations
        let sessions = BackendSessionTable { _, done in done(.success("backend-\(creations.next())")) }
        let router = MCPRouter(config: config, signer: signer, revocations: SessionRevocations(), version: "test", clock: { WallClock.unixSeconds() })
        let recorder = self.recorder
        context = MCPProcessorContext(router: router, catalog: catalog, backendSessions: sessions, retryDirect: { _, _, _ in },
                                      endBackendSession: { server, session in recorder.ended.withLock { $0.append("\(server)/\(session)") } },
                                      observer: recorder)
        handler = AccessLogCallHandler(context: context)
    }

    /// One access-log entry carrying `record` (and `extra` fields) the way ext_proc set them.
    func entry(_ record: ForwardRecord?, extra: [(String, String)] = [], caller: CallerIdentity? = nil, status: UInt32? = 200,
               flags: AccessLogResponseFlags = AccessLogResponseFlags(), millis: Int64 = 250, requestID: String = "req-1") -> HTTPAccessLogEntry {
        var namespaces: [String: ProtoStruct] = [:]
        if let record {
            namespaces[ForwardRecord.metadataNamespace] = ProtoStruct(fields: Dictionary(uniqueKeysWithValues: (record.fields + extra).map { ($0.0, ProtoValue.string($0.1)) }))
        }
        if let caller { namespaces[CallerIdentity.metadataNamespace] = caller.metadata }
        return HTTPAccessLogEntry(metadata: Metadata(filterMetadata: namespaces), timeToLastDownstreamTxByte: ProtoDuration(milliseconds: millis),
                                  responseFlags: flags, requestID: requestID, responseCode: status)
    }

    func send(_ entries: HTTPAccessLogEntry...) throws {
        try handler.record(StreamAccessLogsMessage(httpEntries: entries).serializedBytes())
    }

    @Test func aForwardedToolCallReachesTheObserver() throws {
        try send(entry(ForwardRecord(server: "calc", rpcMethod: "tools/call", tool: "calc_add", sessionRef: "ref", rawID: "7",
                                     argumentNames: ["a", "b"]), caller: alice))
        let got = try #require(recorder.all.first)
        #expect(recorder.all.count == 1)
        #expect(got.record.server == "calc" && got.record.tool == "calc_add" && got.record.rawID == "7")
        #expect(got.record.argumentNames == ["a", "b"])
        #expect(got.caller == alice)
        #expect(got.requestID == "req-1")
        #expect(got.status == 200 && got.outcome == "ok")
        #expect(got.seconds == 0.25)
    }

    @Test func entriesWithoutOurRecordOrAlreadyCountedAreNotReported() throws {
        try send(entry(nil), entry(ForwardRecord(server: "calc", rpcMethod: "tools/call", tool: "calc_add"), extra: [("counted", "1")]))
        #expect(recorder.all.isEmpty)
    }

    @Test func outcomesFromStatusAndResponseFlags() throws {
        var unreachable = AccessLogResponseFlags()
        unreachable.upstreamConnectionFailure = true
        var timedOut = AccessLogResponseFlags()
        timedOut.upstreamRequestTimeout = true
        let r = ForwardRecord(server: "calc", rpcMethod: "tools/call", tool: "calc_other")
        try send(entry(r, status: 204), entry(r, status: 500), entry(r, status: 503, flags: unreachable), entry(r, status: 504),
                 entry(r, status: 504, flags: timedOut), entry(r, status: nil, requestID: ""))
        #expect(recorder.all.map(\.outcome) == ["ok", "error", "unavailable", "timeout", "timeout", "error"])
        #expect(recorder.all.last?.requestID == nil)
        #expect(recorder.all.last?.caller == nil)
    }

    @Test func aPerCallBackendSessionIsEndedWhenTheCallEnds() throws {
        try send(entry(ForwardRecord(server: "calc", rpcMethod: "tools/call", tool: "calc_add", backendSession: "b-9", endsBackendSession: true),
                       extra: [("counted", "1")]))
        #expect(recorder.ended.withLock { $0 } == ["calc/b-9"])
    }

    // A server that forgot our backend session answers 404: the next call must open a new one.
    @Test func a404ForgetsTheBackendSession() throws {
        let client = signer.issue(protocolVersion: "2025-11-25", identityDigest: alice.digest, now: UInt64(WallClock.unixSeconds()))
        func session() -> String? {
            let box = Mutex<String?>(nil)
            context.backendSessions.withSession(client: client, server: "calc") { result in box.withLock { $0 = try? result.get() } }
            return box.withLock { $0 }
        }
        #expect(session() == "backend-1")
        #expect(session() == "backend-1")
        try send(entry(ForwardRecord(server: "calc", rpcMethod: "tools/call", tool: "calc_add", clientSession: client.token,
                                     backendSession: "backend-1"), status: 404))
        #expect(session() == "backend-2")
    }

    @Test func aMalformedBatchIsRefused() {
        #expect(throws: ProtoDecodingError.self) { try handler.record([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]) }
        #expect(recorder.all.isEmpty)
    }
}
