import Foundation
import HTTPClient
import MCPGateway

/// Reads one server's event stream (a relayed call's reply, or a standalone GET stream) and hands
/// each message, rewritten for the client (`ServerMessageRewriter`), to a sink as an SSE event.
///
/// Blocking, on the caller's thread; `handle.cancel()` from another thread (the client went away)
/// ends it promptly.
struct ServerEventPump {
    let http: HTTPClient
    let rewriter: ServerMessageRewriter
    let send: @Sendable ([UInt8]) -> Void
    /// Largest plain-JSON reply buffered (a server that answers a relayed call without SSE).
    let maxJSONBytes: Int

    enum Outcome {
        /// The stream ended normally (or the client left).
        case ended
        /// The server answered with this HTTP status and no event stream (JSON replies are sent on).
        case status(Int)
        case failed(String)
    }

    /// Relays `request`'s response. Plain JSON bodies (a 2xx `application/json` reply) are sent
    /// as one event too, so the client sees one event stream whatever the server chose.
    func run(_ request: HTTPRequest, headTimeout: Double, idleTimeout: Double?, handle: HTTPStreamHandle) -> Outcome {
        var parser = SSEParser()
        var status = 0
        var isSSE = false
        var json: [UInt8] = []
        var tooLarge = false
        do {
            try http.stream(request, connectTimeout: headTimeout, idleTimeout: idleTimeout, handle: handle,
                            onHead: { head in
                                status = head.status
                                isSSE = (head.header("content-type") ?? "").lowercased().hasPrefix("text/event-stream")
                                return true
                            },
                            onBody: { chunk in
                                if isSSE {
                                    guard let events = try? parser.feed(chunk) else { return false }
                                    for event in events where !event.data.isEmpty { forward(Array(event.data.utf8)) }
                                } else {
                                    if json.count + chunk.count > maxJSONBytes { tooLarge = true; return false }
                                    json += chunk
                                }
                                return !handle.isCancelled
                            })
        } catch {
            if handle.isCancelled { return .ended }
            return .failed("\(error)")
        }
        if isSSE { return .ended }
        if tooLarge { return .failed("reply larger than \(maxJSONBytes) bytes") }
        if (200..<300).contains(status), !json.isEmpty, (try? JSONRPCRequest(parsing: json[...])) != nil || json.first == UInt8(ascii: "{") {
            forward(json)
            return .ended
        }
        return .status(status)
    }

    private func forward(_ message: [UInt8]) {
        guard let out = rewriter.rewrite(message) else { return }
        send(Self.event(out))
    }

    /// One SSE `message` event; a message with line breaks (pretty-printed JSON) gets one
    /// `data:` line per line, as SSE requires.
    static func event(_ json: [UInt8]) -> [UInt8] {
        var out = Array("event: message\n".utf8)
        for line in json.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            out += Array("data: ".utf8)
            out += line.last == UInt8(ascii: "\r") ? Array(line.dropLast()) : Array(line)
            out.append(UInt8(ascii: "\n"))
        }
        out.append(UInt8(ascii: "\n"))
        return out
    }
}
