import Foundation
import HTTP2
import HTTPClient

/// One POST to a server whose reply (an event stream, or one JSON body) is handed over message by
/// message, for a bridged call: on the client's event loop for plain-http servers (a long wait
/// holds a socket and a timer, no thread), on a thread of the blocking client for https ones.
/// `onMessage` gets each JSON-RPC message's bytes; `onEnd` runs once, with the HTTP status when
/// the server answered neither with an event stream nor with JSON, or a failure.
enum BackendCallExchange {
    enum End: Sendable, Equatable {
        case ended
        case status(Int)
        case failed(String)
    }

    /// Starts the exchange; returns what stops it (`onEnd` then still runs, with `.ended`).
    static func start(_ request: HTTPRequest, http: HTTPClient, loop: EventLoop?, connectTimeout: Double, idleTimeout: Double,
                      onMessage: @escaping @Sendable ([UInt8]) -> Void, onEnd: @escaping @Sendable (End) -> Void) -> @Sendable () -> Void {
        if let loop, request.url.scheme == .http {
            let reader = LoopConfined(MessageReader())
            let exchange = LoopHTTPExchange.start(request, on: loop, connectTimeout: connectTimeout, headTimeout: idleTimeout,
                                                  idleTimeout: idleTimeout,
                                                  onHead: { reader.value.head($0) },
                                                  onBody: { chunk in reader.value.body(chunk).forEach(onMessage) },
                                                  onEnd: { end in
                                                      switch end {
                                                      case .complete: onEnd(reader.value.end(onMessage))
                                                      case .failed(let e): onEnd(.failed("\(e)"))
                                                      }
                                                  })
            return { exchange.cancel() }
        }
        let handle = HTTPStreamHandle()
        let thread = Thread {
            var reader = MessageReader()
            do {
                try http.stream(request, connectTimeout: connectTimeout, idleTimeout: idleTimeout, handle: handle,
                                onHead: { reader.head($0); return true },
                                onBody: { chunk in reader.body(chunk).forEach(onMessage); return !handle.isCancelled })
                onEnd(reader.end(onMessage))
            } catch {
                onEnd(handle.isCancelled ? .ended : .failed("\(error)"))
            }
        }
        thread.name = "bridge-call"
        thread.start()
        return { handle.cancel() }
    }

    /// Splits a reply into JSON-RPC messages: SSE `data` as it arrives, or a JSON body at the end.
    struct MessageReader {
        private var parser = SSEParser()
        private var status = 0
        private var isSSE = false
        private var json: [UInt8] = []
        static let maxJSONBytes = 16 << 20

        mutating func head(_ head: HTTPResponseHead) {
            status = head.status
            isSSE = (head.header("content-type") ?? "").lowercased().hasPrefix("text/event-stream")
        }

        mutating func body(_ chunk: [UInt8]) -> [[UInt8]] {
            if isSSE {
                return ((try? parser.feed(chunk)) ?? []).compactMap { $0.data.isEmpty ? nil : Array($0.data.utf8) }
            }
            if json.count + chunk.count <= Self.maxJSONBytes { json += chunk }
            return []
        }

        func end(_ onMessage: ([UInt8]) -> Void) -> End {
            if isSSE { return .ended }
            if json.first == UInt8(ascii: "{") {
                onMessage(json)
                return .ended
            }
            return .status(status)
        }
    }
}
