import Foundation

/// The Python test servers (plain HTTP, HTTPS, mutual TLS, and IPv6 if the host has it), started
/// once per test process and shared by every test. The script also generates the test PKI.
///
/// The child exits when its stdin closes or its parent changes, i.e. when this test process
/// ends however it ends, so no server outlives a run; it also exits after 5 minutes regardless.
final class TestServer: Sendable {
    let httpPort: Int
    let httpsPort: Int
    let mtlsPort: Int
    let http6Port: Int?
    let directory: String

    /// nil (and the network suites skip) if the venv's Python cannot run the server, so a
    /// machine without `make setup` still runs every other test.
    static let shared: TestServer? = {
        do {
            return try TestServer()
        } catch {
            print("HTTPClientTests: cannot start the Python test server: \(error)")
            return nil
        }
    }()

    /// The package's venv Python (`make setup` creates it), found from this file's path.
    private static var python: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for candidate in [root.appendingPathComponent(".venv/bin/python").path, "/work/main/.venv/bin/python"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return "/usr/bin/python3"
    }

    private let process: Process
    private let stdin: Pipe

    private init() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("httpclient-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let script = dir.appendingPathComponent("server.py")
        try Self.script.write(to: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = ["-u", script.path, dir.path]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        self.process = process
        self.stdin = stdin

        var line = Data()
        let reader = stdout.fileHandleForReading
        while !line.contains(0x0A) {
            let chunk = reader.availableData
            if chunk.isEmpty { throw TestServerError.exitedEarly }
            line.append(chunk)
        }
        guard let json = try JSONSerialization.jsonObject(with: line) as? [String: Any],
              let http = json["http"] as? Int, let https = json["https"] as? Int, let mtls = json["mtls"] as? Int else {
            throw TestServerError.badBanner(String(decoding: line, as: UTF8.self))
        }
        httpPort = http
        httpsPort = https
        mtlsPort = mtls
        http6Port = json["http6"] as? Int
        directory = dir.path
    }

    var http: String { "http://127.0.0.1:\(httpPort)" }
    var https: String { "https://127.0.0.1:\(httpsPort)" }
    var mtls: String { "https://127.0.0.1:\(mtlsPort)" }
    func file(_ name: String) -> String { directory + "/" + name }

    enum TestServerError: Error {
        case exitedEarly
        case badBanner(String)
    }

    static let script = #"""
import datetime, ipaddress, itertools, json, os, socket, ssl, sys, threading, time, urllib.parse
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

workdir = sys.argv[1]
parent = os.getppid()

def watchdog():
    # Exit when the test process goes away (stdin closes or we are re-parented), or after 5 min.
    start = time.time()
    while time.time() - start < 300:
        if os.getppid() != parent:
            break
        time.sleep(0.2)
    os._exit(0)

def stdin_watch():
    try:
        sys.stdin.buffer.read()
    finally:
        os._exit(0)

threading.Thread(target=watchdog, daemon=True).start()
threading.Thread(target=stdin_watch, daemon=True).start()

# --- certificates -----------------------------------------------------------
from cryptography import x509
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

def key():
    return ec.generate_private_key(ec.SECP256R1())

def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

now = datetime.datetime.now(datetime.timezone.utc)

def make_ca(cn):
    k = key()
    cert = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(name(cn)).public_key(k.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(k.public_key()), critical=False)
            .sign(k, hashes.SHA256()))
    return k, cert

def make_leaf(ca_key, ca_cert, cn, sans, usage):
    k = key()
    b = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(ca_cert.subject).public_key(k.public_key())
         .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
         .not_valid_after(now + datetime.timedelta(days=2))
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
         .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False))
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return k, b.sign(ca_key, hashes.SHA256())

def write(path, *objs):
    with open(path, "wb") as f:
        for o in objs:
            if isinstance(o, x509.Certificate):
                f.write(o.public_bytes(serialization.Encoding.PEM))
            else:
                f.write(o.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))

def p(n):
    return os.path.join(workdir, n)

ca_key, ca_cert = make_ca("HTTPClient Test CA")
_, wrong_cert = make_ca("HTTPClient Wrong CA")
srv_key, srv_cert = make_leaf(ca_key, ca_cert, "localhost",
                              [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                               x509.IPAddress(ipaddress.ip_address("::1"))], ExtendedKeyUsageOID.SERVER_AUTH)
cli_key, cli_cert = make_leaf(ca_key, ca_cert, "gateway-client", None, ExtendedKeyUsageOID.CLIENT_AUTH)
write(p("ca.pem"), ca_cert)
write(p("wrong-ca.pem"), wrong_cert)
write(p("server.pem"), srv_cert)
write(p("server.key"), srv_key)
write(p("client.pem"), cli_cert)
write(p("client.key"), cli_key)

# --- shared state -------------------------------------------------------------
lock = threading.Lock()
conn_ids = itertools.count(1)
counters = {}
releases = {}

def bump(key):
    with lock:
        counters[key] = counters.get(key, 0) + 1

def release_event(key):
    with lock:
        return releases.setdefault(key, threading.Event())

# --- handler --------------------------------------------------------------------
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30

    def log_message(self, *args):
        pass

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
        super().setup()
        self.conn_id = next(conn_ids)

    def do_GET(self): self.route()
    def do_POST(self): self.route()
    def do_PUT(self): self.route()
    def do_HEAD(self): self.route()
    def do_DELETE(self): self.route()

    def route(self):
        path, _, query = self.path.partition("?")
        self.q = dict(urllib.parse.parse_qsl(query))
        n = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(n) if n else b""
        getattr(self, "h_" + path.strip("/").replace("-", "_"), self.h_missing)()

    def reply(self, status, body, headers=()):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Conn-Id", str(self.conn_id))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def raw(self, data, close=True):
        self.wfile.write(data)
        self.wfile.flush()
        if close:
            self.close_connection = True

    def h_missing(self):
        self.reply(404, b"not found\n")

    def h_cl(self):
        self.reply(200, b"hello, content-length",
                   [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-Mixed-Case", "Yes")])

    def h_echo(self):
        peer = self.request.getpeercert() if isinstance(self.request, ssl.SSLSocket) else None
        subject = None
        if peer:
            subject = dict(x[0] for x in peer.get("subject", ())).get("commonName")
        out = {"method": self.command, "target": self.path, "headers": [[k, v] for k, v in self.headers.items()],
               "body": self.body.decode("utf-8", "replace"), "clientCert": subject}
        self.reply(200, json.dumps(out).encode(), [("Content-Type", "application/json")])

    def h_chunked(self):
        self.raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Conn-Id: %d\r\n\r\n" % self.conn_id
                 + b"3\r\nhel\r\n4;ext=1\r\nlo, \r\n7 \r\nchunked\r\n0\r\nX-Trailer: t\r\n\r\n", close=False)

    def h_close(self):
        self.raw(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close body")

    def h_http10(self):
        self.raw(b"HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nv1.0")

    def h_slow(self):
        time.sleep(float(self.q.get("delay", "5")))
        self.reply(200, b"late")

    def h_slowbody(self):
        self.raw(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", close=False)
        time.sleep(float(self.q.get("delay", "5")))
        self.close_connection = True

    def h_big(self):
        self.reply(200, b"x" * int(self.q.get("n", "1000")))

    def h_bigchunked(self):
        n = int(self.q.get("n", "1000"))
        self.raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", close=False)
        piece = b"y" * 1000
        for _ in range(n // 1000):
            self.wfile.write(b"3e8\r\n" + piece + b"\r\n")
        self.raw(b"0\r\n\r\n", close=False)

    def h_continue(self):
        self.raw(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
                 b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Conn-Id: %d\r\n\r\nfinal" % self.conn_id, close=False)

    def h_nocontent(self):
        self.raw(b"HTTP/1.1 204 No Content\r\nX-Conn-Id: %d\r\n\r\n" % self.conn_id, close=False)

    def h_notmodified(self):
        # A 304 may carry the Content-Length of the full representation, but never a body.
        self.raw(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\nX-Conn-Id: %d\r\n\r\n" % self.conn_id, close=False)

    def h_raw(self):
        kinds = {
            "garbage": b"NOT HTTP AT ALL\r\n\r\n",
            "truncated-cl": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
            "truncated-chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
            "lf-only": b"HTTP/1.1 200 OK\nContent-Length: 2\nX-A: b\n\nok",
            "bad-cl": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            "nothing": b"",
        }
        self.raw(kinds[self.q["kind"]])

    def h_close_after(self):
        # Looks keep-alive to the client, but the server closes right after: an idle close.
        self.reply(200, b"bye")
        self.close_connection = True

    def h_drop(self):
        # Reads the request, counts it, and closes without answering.
        bump(self.q["id"])
        self.close_connection = True

    def h_count(self):
        with lock:
            n = counters.get(self.q["id"], 0)
        self.reply(200, str(n).encode())

    def h_release(self):
        release_event(self.q["id"]).set()
        self.reply(200, b"released")

    def h_sse(self):
        key = self.q["id"]
        n = int(self.q.get("n", "3"))
        gap = float(self.q.get("gap", "0.05"))
        chunked = self.q.get("framing") == "chunked"
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        head += b"Transfer-Encoding: chunked\r\n\r\n" if chunked else b"Connection: close\r\n\r\n"
        self.wfile.write(head)
        self.wfile.flush()
        for i in range(1, n + 1):
            ev = b": keep-alive comment\nid: %d\nevent: note\ndata: event %d\ndata: line two\n\n" % (i, i)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(ev), ev) if chunked else ev)
            self.wfile.flush()
            time.sleep(gap)
        release_event(key).wait(10)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request, client_address):
        pass  # TLS failures and client aborts are expected in these tests


class TLSServer(Server):
    def __init__(self, addr, context):
        self.context = context
        super().__init__(addr, Handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        # Handshake in the handler thread (Handler.setup), so a stuck client cannot block accept.
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr


class V6Server(Server):
    address_family = socket.AF_INET6


def tls_context(require_client_cert):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(p("server.pem"), p("server.key"))
    if require_client_cert:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(p("ca.pem"))
    return ctx


servers = {
    "http": Server(("127.0.0.1", 0), Handler),
    "https": TLSServer(("127.0.0.1", 0), tls_context(False)),
    "mtls": TLSServer(("127.0.0.1", 0), tls_context(True)),
}
try:
    servers["http6"] = V6Server(("::1", 0), Handler)
except OSError:
    pass

for s in servers.values():
    threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

info = {k: s.server_address[1] for k, s in servers.items()}
info["dir"] = workdir
print(json.dumps(info), flush=True)
threading.Event().wait()
"""#
}
