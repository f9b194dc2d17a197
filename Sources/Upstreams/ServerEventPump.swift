import Foundation
import HTTPClient
import MCPGateway

/// Turns one server's response (a relayed call's reply, or a standalone GET stream) into SSE
/// events for the client, each message rewritten (`ServerMessageRewriter`), as the bytes arrive:
/// fed by the blocking client (`ServerEventPump`) or by an event loop (`LoopHTTPExchange`).
struct ServerEventDecoder {
    let rewriter: ServerMessageRewriter
    let send: @Sendable ([UInt8]) -> Void
    /// Largest plain-JSON reply buffered (a server that answers a relayed call without SSE).
    let maxJSONBytes: Int
    private var parser = SSEParser()
    private var status = 0
    private var isSSE = false
    private var isJSON = false
    private var json: [UInt8] = []
    private var tooLarge = false

    init(rewriter: ServerMessageRewriter, send: @escaping @Sendable ([UInt8]) -> Void, maxJSONBytes: Int) {
        self.rewriter = rewriter
        self.send = send
        self.maxJSONBytes = maxJSONBytes
    }

    enum Outcome: Equatable {
        /// The stream ended normally (or the client left).
        case ended
        /// The server answered with this HTTP status and no event stream (JSON replies are sent on).
        case status(Int)
        case failed(String)
    }

    mutating func head(_ head: HTTPResponseHead) {
        status = head.status
        let type = (head.header("content-type") ?? "").lowercased()
        isSSE = type.hasPrefix("text/event-stream")
        isJSON = type.hasPrefix("application/json")
    }

    /// False to stop reading (a malformed stream, or a JSON reply over the limit).
    mutating func body(_ chunk: [UInt8]) -> Bool {
        if isSSE {
            guard let events = try? parser.feed(chunk) else { return false }
            for event in events where !event.data.isEmpty { forward(Array(event.data.utf8)) }
            return true
        }
        if json.count + chunk.count > maxJSONBytes { tooLarge = true; return false }
        json += chunk
        return true
    }

    /// After the response ended. Plain JSON bodies (a 2xx `application/json` reply) are sent as
    /// one event too, so the client sees one event stream whatever the server chose.
    func end() -> Outcome {
        if isSSE { return .ended }
        if tooLarge { return .failed("reply larger than \(maxJSONBytes) bytes") }
        // A JSON-RPC body is passed on whatever the status (an SDK answers bad requests with 400 and
        // a JSON-RPC error), as it would reach the client directly.
        if ((200..<300).contains(status) || isJSON), !json.isEmpty, json.first == UInt8(ascii: "{") {
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

/// The blocking driver of a `ServerEventDecoder`, on the caller's thread; `handle.cancel()` from
/// another thread (the client went away) ends it promptly. For streams the gateway holds on
/// threads (standalone GET streams, https servers).
struct ServerEventPump {
    let http: HTTPClient
    let rewriter: ServerMessageRewriter
    let send: @Sendable ([UInt8]) -> Void
    let maxJSONBytes: Int

    typealias Outcome = ServerEventDecoder.Outcome

    func run(_ request: HTTPRequest, headTimeout: Double, idleTimeout: Double?, handle: HTTPStreamHandle) -> Outcome {
        var decoder = ServerEventDecoder(rewriter: rewriter, send: send, maxJSONBytes: maxJSONBytes)
        do {
            try http.stream(request, connectTimeout: headTimeout, idleTimeout: idleTimeout, handle: handle,
                            onHead: { head in decoder.head(head); return true },
                            onBody: { chunk in decoder.body(chunk) && !handle.isCancelled })
        } catch {
            if handle.isCancelled { return .ended }
            return .failed("\(error)")
        }
        return decoder.end()
    }
}
