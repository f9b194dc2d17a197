"""First contact: the stock Envoy 1.40 drives the gateway's ext_proc, end to end."""
import http.server
import threading
import urllib.error
import urllib.request

import pytest

from harness import ROOT, Envoy, Gateway, free_port, render_envoy_config


class Backend(http.server.ThreadingHTTPServer):
    daemon_threads = True


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = b'{"backend":"ok","path":"%s"}' % self.path.encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def stack(tmp_path):
    backend_port = free_port()
    backend = Backend(("127.0.0.1", backend_port), Handler)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    gw = Gateway(tmp_path)
    listen, admin = free_port(), free_port()
    config = render_envoy_config(ROOT / "envoy" / "passthrough.yaml", tmp_path / "envoy.yaml",
                                 {8080: listen, 9901: admin, 50051: gw.grpc_port, 9101: backend_port})
    envoy = Envoy(tmp_path, config, listen, admin)
    yield gw, envoy
    envoy.stop()
    gw.stop()
    backend.shutdown()


def get(port, path="/hello"):
    return urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5)


def test_processor_header_reaches_the_client(stack):
    gw, envoy = stack
    for i in range(20):
        with get(envoy.listen_port, f"/hello/{i}") as r:
            assert r.status == 200
            assert r.headers["x-mcp-gateway"] == "0.1.0"
            assert r.read() == b'{"backend":"ok","path":"/hello/%d"}' % i
    assert envoy.stat("http.ingress.ext_proc.streams_started") >= 20
    assert envoy.stat("http.ingress.ext_proc.streams_failed") == 0


def test_envoy_fails_closed_when_the_gateway_is_gone(stack):
    gw, envoy = stack
    with get(envoy.listen_port) as r:
        assert r.status == 200
    gw.stop()
    with pytest.raises(urllib.error.HTTPError) as err:
        get(envoy.listen_port)
    assert err.value.code >= 500


def test_every_shipped_envoy_config_validates(tmp_path):
    import subprocess
    from harness import envoy_binary
    configs = sorted((ROOT / "envoy").glob("*.yaml"))
    assert configs
    for cfg in configs:
        r = subprocess.run([str(envoy_binary()), "--mode", "validate", "-c", str(cfg), "--log-level", "error"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and "OK" in r.stdout, f"{cfg.name}: {r.stdout}{r.stderr}"


def test_every_shipped_envoy_config_bounds_request_heads():
    """Each HTTP connection manager in envoy/*.yaml sets a request_headers_timeout (0 < t <= 60 s) and refuses
    header names with underscores (no PyYAML in the venv: each manager's block is read as text)."""
    import re
    for cfg in sorted((ROOT / "envoy").glob("*.yaml")):
        text = cfg.read_text()
        blocks = text.split("envoy.filters.network.http_connection_manager")[1:]
        assert blocks, cfg.name
        for block in blocks:
            m = re.search(r"^\s*request_headers_timeout:\s*(\d+)s\s*$", block, re.M)
            assert m and 0 < int(m.group(1)) <= 60, f"{cfg.name}: no bounded request_headers_timeout"
            assert re.search(r"headers_with_underscores_action:\s*REJECT_REQUEST", block), cfg.name


def raw_head(port, data: bytes, wait: float):
    """Sends `data` on a fresh connection; returns (what came back before close or `wait`, seconds taken)."""
    import socket
    import time
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(data)
        got = b""
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
                if b"\r\n\r\n" in got:
                    break
        except (socket.timeout, ConnectionResetError):
            pass
    return got, time.monotonic() - start


def test_slow_request_head_is_cut_off(stack):
    """Slowloris: a head that never ends is dropped after the shipped request_headers_timeout (10 s), not held."""
    gw, envoy = stack
    got, took = raw_head(envoy.listen_port, b"GET /hello HTTP/1.1\r\nhost: x\r\nx-partial: ", wait=20)
    assert took < 15, f"connection still open after {took:.1f} s"
    assert got == b"" or got.startswith(b"HTTP/1.1 408"), got


def test_header_names_with_underscores_are_refused(stack):
    """Envoy refuses the request (HTTP/1: the connection is closed, or a 400) instead of forwarding it."""
    gw, envoy = stack
    got, _ = raw_head(envoy.listen_port, b"GET /hello HTTP/1.1\r\nhost: x\r\nx_mcp_server: physics\r\n\r\n", wait=10)
    assert got == b"" or got.startswith(b"HTTP/1.1 400"), got
    got, _ = raw_head(envoy.listen_port, b"GET /hello HTTP/1.1\r\nhost: x\r\nx-mcp-other: y\r\n\r\n", wait=10)
    assert got.startswith(b"HTTP/1.1 200"), got


def test_sustained_load_keeps_the_grpc_connections(stack):
    """Envoy ends every ext_proc stream with RST_STREAM: thousands per second must not trip the
    HTTP/2 layer's rapid-reset defence (which would GOAWAY and fail in-flight requests)."""
    import concurrent.futures
    gw, envoy = stack

    def one(i):
        with get(envoy.listen_port, f"/load/{i}") as r:
            return r.status

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(one, range(3000)))
    assert statuses.count(200) == 3000
    assert envoy.stat("cluster.ext_grpc.upstream_cx_protocol_error") == 0
    assert envoy.stat("http.ingress.ext_proc.streams_failed") == 0
