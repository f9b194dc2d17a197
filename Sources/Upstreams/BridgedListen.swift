import Foundation
import HTTPClient
import JSONWire
import MCPGateway

extension ServerStreams {
    /// A 2026-07-28 `subscriptions/listen` asked for resources of a server that speaks only the
    /// handshake era (the bridge): a backend session of the listen's own (opened with the
    /// listener's envelope), its standalone GET stream, and `resources/subscribe` for each URI
    /// once that stream is open; each `resources/updated` for them goes to `send` stamped with the
    /// client's subscription id and the federated URI. The session is ended when the listen ends
    /// (and re-opened, after a pause, if the server drops the stream). Counts against
    /// `limits.maxServerStreams`; nil when that is reached.
    public func listenOnHandshakeSession(_ filter: ListenFilter, server name: String, uris: [String], clientInit: [UInt8],
                                         version: String, send: @escaping @Sendable ([UInt8]) -> Void) -> HTTPStreamHandle? {
        guard let server = store.config.server(named: name), reserveStream() else { return nil }
        let handle = HTTPStreamHandle()
        let wanted = Set(uris)
        let thread = Thread { [self] in
            defer { open.wrappingSubtract(1, ordering: .relaxed) }
            let backend = MCPBackendClient(server: server, http: http, clientVersion: version)
            var failures = 0
            while !handle.isCancelled {
                guard let session = try? backend.initialize(protocolVersion: ProtocolEra.latestHandshake, clientInit: clientInit),
                      let id = session.id else {
                    failures += 1
                    Self.pauseBeforeReopening(failures: failures, handle: handle)
                    continue
                }
                var headers: [(String, String)] = [("accept", "text/event-stream"), ("mcp-protocol-version", session.protocolVersion),
                                                   ("mcp-session-id", id)]
                if let c = server.credential { headers.append((c.header, c.value)) }
                guard let request = try? HTTPRequest(method: "GET", url: server.url, headers: headers) else { return }
                var parser = SSEParser()
                var status = 0
                _ = try? http.stream(request, connectTimeout: server.timeoutSeconds, handle: handle,
                                     onHead: { head in
                                         status = head.status
                                         guard head.status == 200 else { return false }
                                         // The stream is the server's now: updates for the subscriptions land on it.
                                         DispatchQueue.global().async {
                                             for uri in uris {
                                                 _ = try? backend.request(method: "resources/subscribe", params: Self.uriParams(uri),
                                                                          session: id, protocolVersion: session.protocolVersion)
                                             }
                                         }
                                         return true
                                     },
                                     onBody: { chunk in
                                         Self.relayUpdates(chunk, &parser, { filter.resourceUpdated(server: $0, uri: $1) }, server: name, only: wanted, send: send) && !handle.isCancelled
                                     })
                backend.deleteSession(id, protocolVersion: session.protocolVersion)
                guard Self.pauseBeforeReopening(after: status, failures: &failures, handle: handle) else { return }
            }
        }
        thread.name = "bridged-listen-\(name)"
        thread.start()
        return handle
    }

    /// Relays the `resources/updated` events in one chunk of a server's stream as the subscriber
    /// must see them (`frame`: a 2026-07-28 listener's, or a handshake-era client's), only the
    /// URIs in `only` when given. False on a malformed stream.
    static func relayUpdates(_ chunk: [UInt8], _ parser: inout SSEParser, _ frame: (_ server: String, _ uri: String) -> [UInt8],
                             server: String, only: Set<String>?, send: @Sendable ([UInt8]) -> Void) -> Bool {
        guard let events = try? parser.feed(chunk) else { return false }
        for event in events {
            guard let msg = try? JSONRPCRequest(parsing: Array(event.data.utf8)[...]), msg.method == "notifications/resources/updated",
                  let uri = msg.stringParam("uri"), only?.contains(uri) ?? true else { continue }
            send(ServerEventDecoder.event(frame(server, uri)))
        }
        return true
    }

    /// After a listen's stream ended with HTTP `status`: false when the server refused it for good
    /// (400/404/405: no such stream, or the session is gone); otherwise waits before it is re-opened.
    static func pauseBeforeReopening(after status: Int, failures: inout Int, handle: HTTPStreamHandle) -> Bool {
        if status == 404 || status == 405 || status == 400 { return false }
        failures = status == 200 ? 0 : failures + 1
        pauseBeforeReopening(failures: failures, handle: handle)
        return true
    }
}
