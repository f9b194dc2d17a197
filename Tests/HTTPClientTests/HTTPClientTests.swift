import Foundation
import Synchronization
import Testing
@testable import HTTPClient

@Suite(.enabled(if: serverAvailable, "the Python test server could not start"))
struct PlainHTTPTests {
    @Test func contentLengthBodyAndHeaders() throws {
        let client = HTTPClient()
        let r = try get(client, server.http + "/cl")
        #expect(r.status == 200)
        #expect(r.text == "hello, content-length")
        #expect(r.head.headers(named: "set-cookie") == ["a=1", "b=2"])
        #expect(r.header("X-MIXED-CASE") == "Yes")
        #expect(r.headers.allSatisfy { $0.0 == $0.0.lowercased() })
    }

    @Test func chunkedBody() throws {
        let r = try get(HTTPClient(), server.http + "/chunked")
        #expect(r.text == "hello, chunked")
    }

    @Test func closeDelimitedBody() throws {
        let client = HTTPClient()
        #expect(try get(client, server.http + "/close").text == "until close body")
        #expect(try get(client, server.http + "/http10").text == "v1.0")
        #expect(client.pool.idleCount == 0)
    }

    @Test func interimAndBodilessResponses() throws {
        let client = HTTPClient()
        #expect(try get(client, server.http + "/continue").text == "final")
        #expect(try get(client, server.http + "/nocontent").status == 204)
        #expect(try get(client, server.http + "/notmodified").status == 304)
        let head = try client.send(HTTPRequest(method: "HEAD", url: server.http + "/cl"), timeout: 10)
        #expect(head.status == 200 && head.body.isEmpty && head.head.contentLength == 21)
        // None of those left a body unread: all ran over the one connection.
        #expect(try get(client, server.http + "/cl").status == 200)
        #expect(client.connectionsOpened == 1)
    }

    @Test func requestIsEncodedAsSent() throws {
        let body = Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#.utf8)
        let request = try HTTPRequest(method: "POST", url: server.http + "/echo?x=1",
                                      headers: [("Content-Type", "application/json"), ("Mcp-Session-Id", "abc"), ("X-Dup", "1"), ("X-Dup", "2")],
                                      body: body)
        let r = try HTTPClient().send(request, timeout: 10)
        let echo = try jsonObject(r)
        #expect(echo["method"] as? String == "POST")
        #expect(echo["target"] as? String == "/echo?x=1")
        #expect(echo["body"] as? String == String(decoding: body, as: UTF8.self))
        let headers = (echo["headers"] as? [[String]] ?? []).map { ($0[0], $0[1]) }
        #expect(headers.map(\.0) == ["Host", "Content-Type", "Mcp-Session-Id", "X-Dup", "X-Dup", "Content-Length", "Connection"])
        #expect(headers.first?.1 == "127.0.0.1:\(server.httpPort)")
        #expect(headers.last?.1 == "keep-alive")
    }

    @Test func largeBodies() throws {
        let client = HTTPClient()
        #expect(try get(client, server.http + "/big?n=3000000").body.count == 3_000_000)
        #expect(try get(client, server.http + "/bigchunked?n=2000000").body.count == 2_000_000)
    }

    @Test func bodyTooLarge() throws {
        let client = HTTPClient()
        // Refused from the Content-Length, before reading the body...
        #expect(throws: HTTPClientError.bodyTooLarge(limit: 1000)) {
            _ = try client.send(HTTPRequest(url: server.http + "/big?n=5000"), timeout: 10, maxBodySize: 1000)
        }
        // ...and while reading a chunked body of unknown length.
        #expect(throws: HTTPClientError.bodyTooLarge(limit: 1000)) {
            _ = try client.send(HTTPRequest(url: server.http + "/bigchunked?n=5000"), timeout: 10, maxBodySize: 1000)
        }
        let small = HTTPClient(configuration: .init(maxBodySize: 10))
        #expect(throws: HTTPClientError.bodyTooLarge(limit: 10)) { _ = try get(small, server.http + "/cl") }
    }

    @Test func keepAliveReusesOneConnection() throws {
        let client = HTTPClient()
        var ids = Set<String>()
        for _ in 0..<10 {
            let r = try get(client, server.http + "/cl")
            #expect(r.status == 200)
            ids.insert(r.header("x-conn-id") ?? "?")
        }
        #expect(ids.count == 1)
        #expect(client.connectionsOpened == 1)
        #expect(client.pool.idleCount == 1)
        client.closeIdleConnections()
        #expect(client.pool.idleCount == 0)
    }

    @Test func concurrentCallsUseSeveralConnectionsThenPoolThem() throws {
        let client = HTTPClient()
        let statuses = Mutex<[Int]>([])
        // Results are checked here: #expect on GCD worker threads has no test to report to.
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<5 {
                let status = (try? get(client, server.http + "/cl"))?.status ?? -1
                statuses.withLock { $0.append(status) }
            }
        }
        #expect(statuses.withLock { $0 } == Array(repeating: 200, count: 20))
        #expect(client.connectionsOpened <= 4)
        #expect(client.pool.idleCount == client.connectionsOpened)
    }

    @Test func poolLimits() throws {
        // A caller's "Connection: close" is honoured: nothing pooled.
        let client = HTTPClient()
        #expect(try client.send(HTTPRequest(url: server.http + "/cl", headers: [("Connection", "close")]), timeout: 10).status == 200)
        #expect(client.pool.idleCount == 0)
        // Connections idle longer than the idle timeout are not reused.
        let shortLived = HTTPClient(configuration: .init(idleConnectionTimeout: 0.2))
        _ = try get(shortLived, server.http + "/cl")
        Thread.sleep(forTimeInterval: 0.4)
        _ = try get(shortLived, server.http + "/cl")
        #expect(shortLived.connectionsOpened == 2)
        // No pooling at all.
        let unpooled = HTTPClient(configuration: .init(maxIdleConnectionsPerOrigin: 0))
        _ = try get(unpooled, server.http + "/cl")
        _ = try get(unpooled, server.http + "/cl")
        #expect(unpooled.connectionsOpened == 2 && unpooled.pool.idleCount == 0)
    }

    @Test func serverClosingAnIdleConnectionIsDetectedBeforeReuse() throws {
        let client = HTTPClient()
        #expect(try get(client, server.http + "/close-after").text == "bye")
        Thread.sleep(forTimeInterval: 0.2)
        let r = try get(client, server.http + "/cl")
        #expect(r.status == 200)
        #expect(client.connectionsOpened == 2)
    }

    @Test func staleConnectionMissedByTheProbeIsRetriedEvenForPOST() throws {
        // With the liveness probe off, the request really is written to the dead connection:
        // the server never ACKs it (it answers with RST), so the POST is provably unread and
        // retried on a fresh connection.
        let client = HTTPClient(configuration: .init(), checksPooledLiveness: false)
        #expect(try get(client, server.http + "/close-after").text == "bye")
        Thread.sleep(forTimeInterval: 0.2)
        let r = try client.send(HTTPRequest(method: "POST", url: server.http + "/echo", body: Array("once".utf8)), timeout: 10)
        #expect(r.status == 200)
        #expect(try jsonObject(r)["body"] as? String == "once")
        #expect(client.connectionsOpened == 2)
    }

    @Test func postTheServerReadIsNotRetried() throws {
        let client = HTTPClient()
        let id = uniqueID()
        #expect(try get(client, server.http + "/cl").status == 200)  // pool a connection
        #expect(throws: HTTPClientError.closedEarly) {
            _ = try client.send(HTTPRequest(method: "POST", url: server.http + "/drop?id=\(id)", body: [1]), timeout: 10)
        }
        #expect(try get(client, server.http + "/count?id=\(id)").text == "1")

        // The same request marked idempotent is retried once (and dropped again).
        #expect(try get(client, server.http + "/cl").status == 200)
        #expect(throws: HTTPClientError.closedEarly) {
            _ = try client.send(HTTPRequest(method: "POST", url: server.http + "/drop?id=\(id)", body: [1], idempotent: true), timeout: 10)
        }
        #expect(try get(client, server.http + "/count?id=\(id)").text == "3")
    }

    @Test func freshConnectionClosedWithoutResponseIsClosedEarly() throws {
        #expect(throws: HTTPClientError.closedEarly) { _ = try get(HTTPClient(), server.http + "/raw?kind=nothing") }
    }

    @Test func timeoutWaitingForHead() throws {
        let client = HTTPClient()
        let elapsed = seconds {
            #expect(throws: HTTPClientError.timeout) { _ = try get(client, server.http + "/slow?delay=5", timeout: 1) }
        }
        #expect(elapsed >= 0.95 && elapsed < 1.5, "took \(elapsed) s")
    }

    @Test func timeoutInTheMiddleOfTheBody() throws {
        let elapsed = seconds {
            #expect(throws: HTTPClientError.timeout) { _ = try get(HTTPClient(), server.http + "/slowbody?delay=5", timeout: 0.8) }
        }
        #expect(elapsed >= 0.75 && elapsed < 1.3, "took \(elapsed) s")
    }

    @Test func malformedAndTruncatedResponses() throws {
        let client = HTTPClient()
        #expect(throws: HTTPClientError.self) { _ = try get(client, server.http + "/raw?kind=garbage") }
        #expect(throws: HTTPClientError.closedEarly) { _ = try get(client, server.http + "/raw?kind=truncated-cl") }
        #expect(throws: HTTPClientError.closedEarly) { _ = try get(client, server.http + "/raw?kind=truncated-chunked") }
        #expect(throws: HTTPClientError.self) { _ = try get(client, server.http + "/raw?kind=bad-cl") }
        #expect(try get(client, server.http + "/raw?kind=lf-only").text == "ok")
        do {
            _ = try get(client, server.http + "/raw?kind=garbage")
        } catch {
            #expect(error.description.hasPrefix("malformed response"))
        }
    }

    @Test func connectFailures() throws {
        // A port nothing listens on: bind one, note it, close it.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let port = UInt16(bigEndian: addr.sin_port)
        close(fd)
        do {
            _ = try get(HTTPClient(), "http://127.0.0.1:\(port)/")
            Issue.record("connected to a closed port")
        } catch {
            guard case .connectFailed(let code, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(code == ECONNREFUSED)
        }
        #expect(throws: HTTPClientError.self) { _ = try get(HTTPClient(), "http://no-such-host.invalid/", timeout: 5) }
        #expect(throws: HTTPClientError.self) { _ = try HTTPRequest(url: "nonsense") }
    }

    @Test func ipv6Literal() throws {
        guard let port = server.http6Port else { return }  // no IPv6 loopback on this host
        let r = try get(HTTPClient(), "http://[::1]:\(port)/echo")
        let headers = (try jsonObject(r)["headers"] as? [[String]]) ?? []
        #expect(headers.first == ["Host", "[::1]:\(port)"])
    }

    @Test func localhostNameResolves() throws {
        #expect(try get(HTTPClient(), "http://localhost:\(server.httpPort)/cl").status == 200)
    }

    @Test func cancelledHandleStopsSend() throws {
        let handle = HTTPStreamHandle()
        onThread(after: 0.3) { handle.cancel() }
        let elapsed = seconds {
            #expect(throws: HTTPClientError.cancelled) {
                _ = try HTTPClient().send(HTTPRequest(url: server.http + "/slow?delay=5"), timeout: 10, handle: handle)
            }
        }
        #expect(elapsed < 2, "took \(elapsed) s")
    }
}
