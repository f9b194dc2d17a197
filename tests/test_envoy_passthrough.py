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
