import JSONWire

/// Rewrites what one server sends a client (on a call's event stream or the standalone GET
/// stream) into what the client must see through the federation:
/// - a server→client request's id becomes a `ServerRequestID` sealed for this client session, so
///   the answer finds the server and backend session that asked (and only those);
/// - `notifications/resources/updated` names the resource by its federated URI;
/// - the server's own `list_changed` notifications are dropped: the gateway announces changes of
///   the merged catalog itself, once it has re-read the server;
/// - task ids (2025-11-25 tasks: a task-augmented call's `CreateTaskResult`, `tasks/*` results,
///   `notifications/tasks/status`) are sealed the same way, so `tasks/get` & co. find their server;
/// - everything else (responses, progress, log messages) passes byte for byte.
public struct ServerMessageRewriter: Sendable {
    public let server: String
    public let backendSession: String
    public let client: ClientSession
    public let signer: SessionSigner

    public init(server: String, backendSession: String, client: ClientSession, signer: SessionSigner) {
        self.server = server
        self.backendSession = backendSession
        self.client = client
        self.signer = signer
    }

    static let ownListChanges: Set<String> = ["notifications/tools/list_changed", "notifications/prompts/list_changed",
                                              "notifications/resources/list_changed"]

    /// The message to send the client, or nil to drop it.
    public func rewrite(_ message: [UInt8]) -> [UInt8]? {
        // Not a JSON-RPC message we can read (or a response with a null id): pass it on untouched;
        // the client judges it as it would directly.
        guard let parsed = try? JSONRPCRequest(parsing: message[...]) else { return message }
        switch parsed.kind {
        case .response:
            return sealingTaskIDs(in: message, parsed.scanner, within: parsed.scanner.lastMember(named: "result", in: parsed.scanner.root))
        case .request:
            guard let idRange = parsed.idRange else { return message }
            let sealed = ServerRequestID(server: server, backendSession: backendSession, rawID: Array(message[idRange]))
                .sealed(for: client, signer: signer)
            return parsed.splicing(idRange, with: sealed)
        case .notification:
            if Self.ownListChanges.contains(parsed.method) { return nil }
            if parsed.method == "notifications/cancelled", let idRange = parsed.param("requestId") {
                // The server withdraws one of its own requests: name it as the client knows it.
                let sealed = ServerRequestID(server: server, backendSession: backendSession, rawID: Array(message[idRange]))
                    .sealed(for: client, signer: signer)
                return parsed.splicing(idRange, with: sealed)
            }
            if parsed.method == "notifications/tasks/status" {
                return sealingTaskIDs(in: message, parsed.scanner, within: parsed.paramsRange)
            }
            if parsed.method == "notifications/resources/updated", let uriRange = parsed.param("uri"),
               let uri = parsed.scanner.string(at: uriRange) {
                var replacement: [UInt8] = []
                JSONText.appendString(FederatedNaming.publicURI(server: server, uri: uri), to: &replacement)
                return parsed.splicing(uriRange, with: replacement)
            }
            return message
        }
    }

    /// Seals every task id a result (or a task status notification) carries: `taskId` itself (a
    /// `Task`), `task.taskId` (a `CreateTaskResult`), `tasks[].taskId` (`tasks/list`) and the
    /// related-task `_meta` of a `tasks/result`. Scans only objects that have those members.
    func sealingTaskIDs(in message: [UInt8], _ scanner: JSONScanner, within object: Range<Int>?) -> [UInt8] {
        guard let object, scanner.kind(at: object) == .object else { return message }
        var ranges: [Range<Int>] = []
        func taskID(of value: Range<Int>?) {
            guard let value, scanner.kind(at: value) == .object, let id = scanner.lastMember(named: "taskId", in: value),
                  scanner.kind(at: id) == .string else { return }
            ranges.append(id)
        }
        taskID(of: object)
        taskID(of: scanner.lastMember(named: "task", in: object))
        if let tasks = scanner.lastMember(named: "tasks", in: object), let items = scanner.arrayElements(of: tasks) {
            items.forEach { taskID(of: $0) }
        }
        if let meta = scanner.lastMember(named: "_meta", in: object), scanner.kind(at: meta) == .object {
            taskID(of: scanner.lastMember(named: "io.modelcontextprotocol/related-task", in: meta))
        }
        guard !ranges.isEmpty else { return message }
        var out = message
        for range in ranges.sorted(by: { $0.lowerBound > $1.lowerBound }) {
            let sealed = ServerRequestID(server: server, backendSession: backendSession, rawID: Array(message[range]), purpose: .task)
                .sealed(for: client, signer: signer)
            out.replaceSubrange(range, with: sealed)
        }
        return out
    }
}
