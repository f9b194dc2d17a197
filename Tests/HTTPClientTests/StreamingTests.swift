import Foundation
import Synchronization
import Testing
@testable import HTTPClient

@Suite(.enabled(if: serverAvailable, "the Python test server could not start"))
struct StreamingTests {
    private static let expected = (1...3).map { SSEEvent(id: "\($0)", event: "note", data: "event \($0)\nline two") }

    /// The server sends three events, then holds the stream open until released. Seeing all
    /// three before releasing proves they are delivered as they arrive, not at the end.
    @Test(arguments: ["close", "chunked"])
    func sseEventsArriveIncrementally(framing: String) throws {
        let client = HTTPClient()
        let control = HTTPClient()
        let id = uniqueID()
        var parser = SSEParser()
        var events: [SSEEvent] = []
        var released = false
        var status = 0
        let request = try HTTPRequest(url: server.http + "/sse?id=\(id)&n=3&framing=\(framing)", headers: [("Accept", "text/event-stream")])
        let elapsed = try seconds {
            let end = try client.stream(request, connectTimeout: 5, onHead: { head in
                status = head.status
                #expect(head.header("content-type") == "text/event-stream")
                return true
            }, onBody: { bytes in
                events += (try? parser.feed(bytes)) ?? []
                if events.count == 3 && !released {
                    #expect(!released)
                    released = (try? get(control, server.http + "/release?id=\(id)"))?.status == 200
                }
                return true
            })
            #expect(end == .completed)
        }
        #expect(status == 200)
        #expect(released)
        #expect(events == Self.expected)
        #expect(parser.lastEventID == "3")
        #expect(elapsed < 5, "the stream ended only when the server gave up waiting: \(elapsed) s")
        // A close-delimited stream ends with the connection; a chunked one ends by its framing,
        // so the connection is pooled (the probe on reuse notices that the server closed it).
        #expect(client.pool.idleCount == (framing == "chunked" ? 1 : 0))
    }

    @Test func cancelFromAnotherThread() throws {
        let id = uniqueID()
        let handle = HTTPStreamHandle()
        var events: [SSEEvent] = []
        var parser = SSEParser()
        let elapsed = seconds {
            #expect(throws: HTTPClientError.cancelled) {
                try HTTPClient().stream(HTTPRequest(url: server.http + "/sse?id=\(id)&n=1"), connectTimeout: 5, handle: handle,
                                        onHead: { _ in true },
                                        onBody: { bytes in
                                            events += (try? parser.feed(bytes)) ?? []
                                            if events.count == 1 { onThread(after: 0.2) { handle.cancel() } }
                                            return true
                                        })
            }
        }
        #expect(events.count == 1)
        #expect(elapsed < 3, "took \(elapsed) s")
        _ = try? get(HTTPClient(), server.http + "/release?id=\(id)")
    }

    @Test func cancelOverTLS() throws {
        let id = uniqueID()
        let handle = HTTPStreamHandle()
        let client = HTTPClient(configuration: .init(tls: TLSConfiguration(caFile: server.file("ca.pem"))))
        var gotBody = false
        let elapsed = seconds {
            #expect(throws: HTTPClientError.cancelled) {
                try client.stream(HTTPRequest(url: server.https + "/sse?id=\(id)&n=1"), connectTimeout: 5, handle: handle,
                                  onHead: { _ in true },
                                  onBody: { _ in
                                      if !gotBody { onThread(after: 0.2) { handle.cancel() } }
                                      gotBody = true
                                      return true
                                  })
            }
        }
        #expect(gotBody && elapsed < 3)
        _ = try? get(HTTPClient(), server.http + "/release?id=\(id)")
    }

    @Test func cancelBeforeStart() throws {
        let handle = HTTPStreamHandle()
        handle.cancel()
        #expect(throws: HTTPClientError.cancelled) {
            try HTTPClient().stream(HTTPRequest(url: server.http + "/cl"), connectTimeout: 5, handle: handle,
                                    onHead: { _ in true }, onBody: { _ in true })
        }
    }

    @Test func cancelWhileWaitingForTheHead() throws {
        let handle = HTTPStreamHandle()
        onThread(after: 0.3) { handle.cancel() }
        let elapsed = seconds {
            #expect(throws: HTTPClientError.cancelled) {
                try HTTPClient().stream(HTTPRequest(url: server.http + "/slow?delay=5"), connectTimeout: 10, handle: handle,
                                        onHead: { _ in true }, onBody: { _ in true })
            }
        }
        #expect(elapsed < 2, "took \(elapsed) s")
    }

    @Test func callbackStopsTheStream() throws {
        let id = uniqueID()
        let client = HTTPClient()
        let end = try client.stream(HTTPRequest(url: server.http + "/sse?id=\(id)&n=3"), connectTimeout: 5,
                                    onHead: { _ in true }, onBody: { _ in false })
        #expect(end == .stoppedByCallback)
        #expect(client.pool.idleCount == 0)
        let headOnly = try client.stream(HTTPRequest(url: server.http + "/cl"), connectTimeout: 5,
                                         onHead: { _ in false }, onBody: { _ in true })
        #expect(headOnly == .stoppedByCallback)
        _ = try? get(client, server.http + "/release?id=\(id)")
    }

    @Test func idleTimeout() throws {
        let id = uniqueID()
        let elapsed = seconds {
            #expect(throws: HTTPClientError.timeout) {
                try HTTPClient().stream(HTTPRequest(url: server.http + "/sse?id=\(id)&n=1"), connectTimeout: 5, idleTimeout: 0.5,
                                        onHead: { _ in true }, onBody: { _ in true })
            }
        }
        #expect(elapsed >= 0.5 && elapsed < 1.5, "took \(elapsed) s")
        _ = try? get(HTTPClient(), server.http + "/release?id=\(id)")
    }

    @Test func connectTimeoutCoversTheHead() throws {
        let elapsed = seconds {
            #expect(throws: HTTPClientError.timeout) {
                try HTTPClient().stream(HTTPRequest(url: server.http + "/slow?delay=5"), connectTimeout: 0.5,
                                        onHead: { _ in true }, onBody: { _ in true })
            }
        }
        #expect(elapsed < 1.2, "took \(elapsed) s")
    }

    @Test func streamedBodyPiecesReassemble() throws {
        let client = HTTPClient()
        var total = 0
        let end = try client.stream(HTTPRequest(url: server.http + "/bigchunked?n=500000"), connectTimeout: 5,
                                    onHead: { _ in true }, onBody: { total += $0.count; return true })
        #expect(end == .completed && total == 500_000)
        #expect(client.pool.idleCount == 1)  // a complete chunked response leaves the connection reusable
    }
}
