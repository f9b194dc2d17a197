import Dispatch
import HTTPClient
import JSONWire
import MCPGateway

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
    private let queue = DispatchQueue(label: "task-lister", attributes: .concurrent)

    public init(store: CatalogStore, http: HTTPClient, version: String, backendSessions: BackendSessionTable) {
        self.store = store
        self.http = http
        self.version = version
        self.backendSessions = backendSessions
    }

    public func list(_ plan: GatherPlan, signer: SessionSigner, done: @escaping @Sendable ([UInt8]) -> Void) {
        queue.async { [store, http, version, backendSessions] in
            let sessions = backendSessions.sessions(client: plan.session).filter { plan.servers.contains($0.server) }
            var tasks: [[UInt8]] = []
            var failed: [String] = []
            for (name, session) in sessions {
                guard let server = store.config.server(named: name) else { continue }
                let client = MCPBackendClient(server: server, http: http, clientVersion: version)
                let rewriter = ServerMessageRewriter(server: name, backendSession: session, client: plan.session, signer: signer)
                do throws(BackendError) {
                    let items = try client.listAll(method: "tasks/list", key: "tasks",
                                                   session: MCPBackendClient.Session(id: session, protocolVersion: plan.session.protocolVersion,
                                                                                     result: .null))
                    for item in items {
                        // Each task as a one-task list result, so the rewriter seals its id.
                        let wrapped = Array("{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"tasks\":[".utf8) + item.serializedBytes() + Array("]}}".utf8)
                        guard let sealed = rewriter.rewrite(wrapped), let value = try? JSONValue(parsing: sealed),
                              let task = value["result"]?["tasks"]?.arrayValue?.first else { continue }
                        tasks.append(task.serializedBytes())
                    }
                } catch {
                    failed.append(name)
                }
            }
            done(JSONRPCReply.result(id: plan.rawID.isEmpty ? nil : plan.rawID[...]) { w in
                w.beginObject()
                w.key("tasks"); w.beginArray(); for t in tasks { w.raw(t[...]) }; w.endArray()
                if !failed.isEmpty {
                    w.key("_meta"); w.beginObject(); w.key("io.modelcontextprotocol.gateway/unavailable"); w.beginArray()
                    for f in failed { w.string(f) }
                    w.endArray(); w.endObject()
                }
                w.endObject()
            })
        }
    }
}
