import Dispatch
import HTTPClient
import JSONWire
import MCPGateway
import WorkPool
import Synchronization

/// `tasks/list` across the federation: each server that supports tasks is asked on the client's
/// own backend session (a server with no session for this client holds no task of it), every page
/// is read, and task ids are sealed as on every other path (`ServerMessageRewriter`), so the merged
/// list's ids work with `tasks/get`, `tasks/result` and `tasks/cancel`. One page, no cursor: the
/// tasks of one client session are few. A server that fails is left out and named in `_meta`.
public struct TaskLister: Sendable {
    let store: CatalogStore
    let http: HTTPClient
    let version: String
    let backendSessions: BackendSessionTable
    /// One blocking `tasks/list` per server runs here; a server that finds the pool full is named
    /// as unavailable, like one that does not answer in time.
    private static let pool = BlockingWorkPool(name: "task-lister", threads: 8, maxPending: 256)

    public init(store: CatalogStore, http: HTTPClient, version: String, backendSessions: BackendSessionTable) {
        self.store = store
        self.http = http
        self.version = version
        self.backendSessions = backendSessions
    }

    /// Within Envoy's ext_proc message timeout (5 s in the shipped configs): servers are asked in
    /// parallel, and one that has not answered by then is named as unavailable.
    static let deadlineSeconds = 4.0

    public func list(_ plan: GatherPlan, signer: SessionSigner, done: @escaping @Sendable ([UInt8]) -> Void) {
        let sessions = backendSessions.sessions(client: plan.session).filter { plan.servers.contains($0.server) }
        let results = Mutex<[String: [[UInt8]]]>([:])
        let group = DispatchGroup()
        for (name, session) in sessions {
            guard let server = store.config.server(named: name) else { continue }
            group.enter()
            let submitted = Self.pool.submit { [http, version] in
                defer { group.leave() }
                let client = MCPBackendClient(server: server, http: http, clientVersion: version)
                let rewriter = ServerMessageRewriter(server: name, backendSession: session, client: plan.session, signer: signer)
                guard let items = try? client.listAll(method: "tasks/list", key: "tasks",
                                                      session: MCPBackendClient.Session(id: session, protocolVersion: plan.session.protocolVersion,
                                                                                        result: .null)) else { return }
                let sealed: [[UInt8]] = items.compactMap { item in
                    // Each task as a one-task list result, so the rewriter seals its id.
                    var w = JSONWriter()
                    w.beginObject()
                    w.key("jsonrpc"); w.string("2.0")
                    w.key("id"); w.number(0)
                    w.key("result"); w.beginObject(); w.key("tasks"); w.beginArray(); w.raw(item.serializedBytes()); w.endArray(); w.endObject()
                    w.endObject()
                    let wrapped = w.bytes
                    guard let out = rewriter.rewrite(wrapped), let value = try? JSONValue(parsing: out),
                          let task = value["result"]?["tasks"]?.arrayValue?.first else { return nil }
                    return task.serializedBytes()
                }
                results.withLock { $0[name] = sealed }
            }
            if !submitted { group.leave() }
        }
        // Answered once: when every server has, or at the deadline, whichever comes first. No
        // thread waits meanwhile.
        let answeredOnce = Atomic<Bool>(false)
        let answer: @Sendable () -> Void = {
            guard !answeredOnce.exchange(true, ordering: .acquiringAndReleasing) else { return }
            Self.reply(plan, sessions: sessions, answered: results.withLock { $0 }, done: done)
        }
        group.notify(queue: .global(), execute: answer)
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.deadlineSeconds, execute: answer)
    }

    private static func reply(_ plan: GatherPlan, sessions: [(server: String, session: String)], answered: [String: [[UInt8]]],
                              done: @escaping @Sendable ([UInt8]) -> Void) {
        let failed = sessions.map(\.server).filter { answered[$0] == nil }
        done(JSONRPCReply.result(id: plan.rawID.isEmpty ? nil : plan.rawID[...]) { w in
            w.beginObject()
            w.key("tasks"); w.beginArray()
            for (name, _) in sessions { for t in answered[name] ?? [] { w.raw(t[...]) } }
            w.endArray()
            if !failed.isEmpty {
                w.key("_meta"); w.beginObject(); w.key("io.modelcontextprotocol.gateway/unavailable"); w.beginArray()
                for f in failed { w.string(f) }
                w.endArray(); w.endObject()
            }
            w.endObject()
        })
    }
}
