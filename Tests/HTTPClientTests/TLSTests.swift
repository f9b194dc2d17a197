import Foundation
import Testing
@testable import HTTPClient

@Suite(.enabled(if: serverAvailable, "the Python test server could not start"))
struct TLSTests {
    private func client(_ tls: TLSConfiguration) -> HTTPClient {
        HTTPClient(configuration: .init(tls: tls))
    }

    @Test func trustedCAByIPAndByName() throws {
        let c = client(TLSConfiguration(caFile: server.file("ca.pem")))
        #expect(try get(c, server.https + "/cl").text == "hello, content-length")
        #expect(try get(c, "https://localhost:\(server.httpsPort)/chunked").text == "hello, chunked")
        #expect(try get(c, server.https + "/close").text == "until close body")
    }

    @Test func keepAliveOverTLS() throws {
        let c = client(TLSConfiguration(caFile: server.file("ca.pem")))
        var ids = Set<String>()
        for _ in 0..<5 { ids.insert(try get(c, server.https + "/cl").header("x-conn-id") ?? "?") }
        #expect(ids.count == 1 && c.connectionsOpened == 1)
        // A TLS connection the server closed while idle is noticed and replaced.
        #expect(try get(c, server.https + "/close-after").text == "bye")
        Thread.sleep(forTimeInterval: 0.2)
        #expect(try get(c, server.https + "/cl").status == 200)
        #expect(c.connectionsOpened == 2)
    }

    @Test func staleTLSConnectionIsRetried() throws {
        let c = HTTPClient(configuration: .init(tls: TLSConfiguration(caFile: server.file("ca.pem"))), checksPooledLiveness: false)
        #expect(try get(c, server.https + "/close-after").text == "bye")
        Thread.sleep(forTimeInterval: 0.2)
        let r = try c.send(HTTPRequest(method: "POST", url: server.https + "/echo", body: Array("x".utf8)), timeout: 10)
        #expect(r.status == 200 && c.connectionsOpened == 2)
    }

    @Test func largeBodyOverTLS() throws {
        let c = client(TLSConfiguration(caFile: server.file("ca.pem")))
        #expect(try get(c, server.https + "/big?n=2000000").body.count == 2_000_000)
        let post = try c.send(HTTPRequest(method: "POST", url: server.https + "/echo", body: Array(repeating: 0x61, count: 1_000_000)), timeout: 10)
        #expect((try jsonObject(post)["body"] as? String)?.count == 1_000_000)
    }

    @Test func wrongCAFailsVerification() throws {
        let c = client(TLSConfiguration(caFile: server.file("wrong-ca.pem")))
        do {
            _ = try get(c, server.https + "/cl")
            Issue.record("connected with an untrusted certificate")
        } catch {
            guard case .certificateVerifyFailed(let reason) = error else { Issue.record("unexpected \(error)"); return }
            #expect(reason.contains("local issuer"), "\(reason)")
            #expect(error.description.hasPrefix("TLS: certificate verify failed: "))
        }
    }

    @Test func systemStoreDoesNotTrustTestCA() throws {
        #expect(throws: HTTPClientError.self) { _ = try get(client(TLSConfiguration()), server.https + "/cl") }
    }

    @Test func hostnameMismatchFails() throws {
        let byName = client(TLSConfiguration(caFile: server.file("ca.pem"), serverName: "other.example"))
        do {
            _ = try get(byName, server.https + "/cl")
            Issue.record("accepted a certificate for another name")
        } catch {
            #expect(error == .certificateVerifyFailed(reason: "hostname mismatch"), "\(error)")
        }
        let byIP = client(TLSConfiguration(caFile: server.file("ca.pem"), serverName: "10.9.8.7"))
        do {
            _ = try get(byIP, server.https + "/cl")
            Issue.record("accepted a certificate for another IP")
        } catch {
            #expect(error == .certificateVerifyFailed(reason: "IP address mismatch"), "\(error)")
        }
    }

    @Test func verificationOffAcceptsAnything() throws {
        let c = client(TLSConfiguration(caFile: server.file("wrong-ca.pem"), verifyPeer: false, serverName: "other.example"))
        #expect(try get(c, server.https + "/cl").status == 200)
    }

    @Test func mutualTLS() throws {
        let withCert = client(TLSConfiguration(caFile: server.file("ca.pem"), certificateFile: server.file("client.pem"),
                                               privateKeyFile: server.file("client.key")))
        let r = try get(withCert, server.mtls + "/echo")
        #expect(try jsonObject(r)["clientCert"] as? String == "gateway-client")

        // Without a certificate the server aborts (in TLS 1.3, after the client's handshake ends).
        #expect(throws: HTTPClientError.self) { _ = try get(client(TLSConfiguration(caFile: server.file("ca.pem"))), server.mtls + "/echo") }
    }

    @Test func configurationErrors() throws {
        do {
            _ = try get(client(TLSConfiguration(caFile: "/nonexistent/ca.pem")), server.https + "/cl")
            Issue.record("loaded a missing CA file")
        } catch {
            guard case .tls(let message) = error else { Issue.record("unexpected \(error)"); return }
            #expect(message.contains("cannot load CA file /nonexistent/ca.pem"))
        }
        #expect(throws: HTTPClientError.self) {
            _ = try get(client(TLSConfiguration(certificateFile: server.file("client.pem"))), server.https + "/cl")
        }
        #expect(throws: HTTPClientError.self) {
            _ = try get(client(TLSConfiguration(certificateFile: server.file("client.pem"), privateKeyFile: server.file("server.key"))), server.https + "/cl")
        }
    }

    @Test func plainHTTPToTLSPortFails() throws {
        let elapsed = seconds {
            #expect(throws: HTTPClientError.self) { _ = try get(HTTPClient(), "http://127.0.0.1:\(server.httpsPort)/cl", timeout: 3) }
        }
        #expect(elapsed < 3.5)
        // And TLS to a plain port.
        #expect(throws: HTTPClientError.self) {
            _ = try get(client(TLSConfiguration(caFile: server.file("ca.pem"))), "https://127.0.0.1:\(server.httpPort)/cl", timeout: 3)
        }
    }
}
