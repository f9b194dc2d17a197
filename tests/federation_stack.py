"""The federated stack for end-to-end tests: two real MCP servers (the examples, on the official
SDK), the gateway with a config naming them, and the stock Envoy with the shipped envoy.yaml."""
import json
from contextlib import contextmanager
import time
import urllib.request
from pathlib import Path

from harness import ROOT, Envoy, Proc, free_port, gateway_binary, render_envoy_config, wait_for_http

SERVERS = ROOT / "examples" / "servers"


class ExampleServer(Proc):
    def __init__(self, name, script, log_dir, port=None, extra=()):
        import sys
        self.port = port or free_port()
        super().__init__(name, [sys.executable, str(SERVERS / script), "--port", str(self.port), *extra], log_dir)
        wait_for_http(f"http://127.0.0.1:{self.port}/healthz")

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"


class FederatedStack:
    def __init__(self, log_dir: Path, gateway_extra=(), config_overrides=None, auth=False, default_headers=None,
                 envoy_replace=None, extra_servers=(), replicas=1):
        self.log_dir = log_dir
        self.default_headers = default_headers or {}
        self.calculus = ExampleServer("calculus", "calculus.py", log_dir)
        self.physics = ExampleServer("physics", "physics.py", log_dir, extra=["--enable-dynamic-tools"])
        self.secret = log_dir / "secret.txt"
        self.secret.write_text("test-secret-0123456789abcdef0123456789")
        self.config = log_dir / "gateway.json"
        cfg = {
            "servers": [
                {"name": "calculus", "url": f"{self.calculus.base}/mcp", "timeoutSeconds": 10},
                {"name": "physics", "url": f"{self.physics.base}/mcp", "timeoutSeconds": 10,
                 "tools": {"deny": ["admin_remove_tool"]}},
                *extra_servers,
            ],
            "session": {"secretFile": str(self.secret)},
            "catalog": {"refreshSeconds": 2, "failureThreshold": 2},
            "limits": {"maxBodyBytes": 262144},
        }
        for k, v in (config_overrides or {}).items():
            cfg[k] = v
        self.listen, self.envoy_admin = free_port(), free_port()
        if "auth" in cfg and "resource" not in cfg["auth"]:
            # The public URL of the endpoint: the gateway never derives it from a request's Host.
            cfg["auth"] = {**cfg["auth"], "resource": f"http://127.0.0.1:{self.listen}/mcp"}
        self.config.write_text(json.dumps(cfg))
        self.gateway_extra = list(gateway_extra)
        self.grpc_port, self.admin_port = free_port(), free_port()
        self.start_gateway()
        self.replicas = []
        envoy_replace = dict(envoy_replace or {})
        for i in range(1, replicas):
            # More gateway processes behind the same Envoy cluster, sharing the config (and session secret).
            grpc, admin = free_port(), free_port()
            args = [str(gateway_binary()), "--config", str(self.config), "--grpc-listen", f"127.0.0.1:{grpc}",
                    "--admin-listen", f"127.0.0.1:{admin}", "--threads", "1"]
            replica = Proc(f"gateway{i + 1}", args, self.log_dir)
            replica.admin_port = admin
            self.replicas.append(replica)
            wait_for_http(f"http://127.0.0.1:{admin}/healthz")
            marker = "address: { socket_address: { address: 127.0.0.1, port_value: 50051 } }"
            envoy_replace[marker] = envoy_replace.get(marker, marker) + (
                "\n        - endpoint:\n            address: { socket_address: { address: 127.0.0.1, port_value: %d } }" % grpc)
        # auth=True: the shipped envoy.yaml (the token reviewed inside ext_proc); auth="ext_authz": Envoy's
        # ext_authz filter in front (envoy-ext-authz.yaml).
        shipped = "envoy-ext-authz.yaml" if auth == "ext_authz" else "envoy.yaml" if auth else "envoy-noauth.yaml"
        envoy_cfg = render_envoy_config(ROOT / "envoy" / shipped, log_dir / "envoy.yaml", {
            8080: self.listen, 9901: self.envoy_admin, 50051: self.grpc_port, 9090: self.admin_port,
            9101: self.calculus.port, 9102: self.physics.port}, replace=envoy_replace)
        self.envoy = Envoy(log_dir, envoy_cfg, self.listen, self.envoy_admin)
        self.wait_for_tools(["calculus_differentiate", "physics_solve"])

    def start_gateway(self):
        args = [str(gateway_binary()), "--config", str(self.config), "--grpc-listen", f"127.0.0.1:{self.grpc_port}",
                "--admin-listen", f"127.0.0.1:{self.admin_port}", "--threads", "2", *self.gateway_extra]
        self.gateway = Proc("gateway", args, self.log_dir)
        wait_for_http(f"http://127.0.0.1:{self.admin_port}/healthz")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.listen}/mcp"

    def add_physics_tool(self, name, text, description=""):
        """Adds a tool to the physics example server at run time (its --enable-dynamic-tools admin
        endpoint): the server then announces list_changed."""
        req = urllib.request.Request(f"{self.physics.base}/admin/tools", method="POST",
                                     data=json.dumps({"name": name, "text": text, "description": description}).encode(),
                                     headers={"content-type": "application/json"})
        urllib.request.urlopen(req, timeout=5).read()

    def reconfigure(self, edit):
        """Edits gateway.json with `edit(cfg)`, sends SIGHUP, and waits until the reload is applied."""
        import signal
        cfg = json.loads(self.config.read_text())
        edit(cfg)
        before = self.metric_value("mcp_config_reloads_total", result="success")
        self.config.write_text(json.dumps(cfg))
        self.gateway.popen.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while self.metric_value("mcp_config_reloads_total", result="success") <= before:
            assert time.time() < deadline, "reload not applied"
            time.sleep(0.1)

    def metric_value(self, name, **labels):
        """One sample from the gateway's /metrics (0 when absent)."""
        from prometheus_client.parser import text_string_to_metric_families
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/metrics", timeout=5) as r:
            text = r.read().decode()
        want = tuple(sorted(labels.items()))
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and tuple(sorted(sample.labels.items())) == want:
                    return sample.value
        return 0

    def post(self, body, headers=None, raw=False):
        """POST to /mcp; returns (status, headers, parsed JSON or text)."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        h = {"content-type": "application/json", "accept": "application/json, text/event-stream", **self.default_headers,
             **(headers or {})}
        req = urllib.request.Request(self.url, data=data, headers=h, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                status, hdrs, text = r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            status, hdrs, text = e.code, dict(e.headers), e.read().decode()
        if raw:
            return status, hdrs, text
        return status, hdrs, parse_body(text, hdrs.get("content-type", ""))

    def initialize(self, version="2025-11-25", headers=None):
        status, hdrs, body = self.post({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}}, headers)
        assert status == 200, body
        return hdrs["mcp-session-id"]

    def session_headers(self, session, version="2025-11-25"):
        return {"mcp-session-id": session, "mcp-protocol-version": version}

    def tool_names(self, session=None):
        session = session or self.initialize()
        status, _, body = self.post({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, self.session_headers(session))
        assert status == 200, body
        return [t["name"] for t in body["result"]["tools"]]

    def wait_for_tools(self, names, present=True, timeout=20):
        deadline = time.time() + timeout
        seen = []
        while time.time() < deadline:
            try:
                seen = self.tool_names()
                if all((n in seen) == present for n in names):
                    return seen
            except (AssertionError, OSError):
                pass
            time.sleep(0.2)
        raise AssertionError(f"tools {names} present={present} not reached; last list: {seen}")

    def stop(self):
        for p in (self.envoy, self.gateway, *self.replicas, self.calculus, self.physics):
            p.stop()


def parse_body(text, content_type):
    if not text:
        return None
    if content_type.startswith("text/event-stream"):
        for line in text.splitlines():
            if line.startswith("data:") and line[5:].strip():
                msg = json.loads(line[5:])
                if "result" in msg or "error" in msg:
                    return msg
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


@contextmanager
def stack_with_servers(log_dir, makers, wait_for, attribute):
    """A FederatedStack with extra MCP servers: `makers` maps each server's name to a function that
    starts it (an object with `.url` and `.stop()`); the started servers are kept on the stack as
    `attribute` ({name: server}); everything is stopped at the end, also when start-up fails."""
    servers, stack = {}, None
    try:
        for name, make in makers.items():
            servers[name] = make()
        stack = FederatedStack(log_dir, extra_servers=[{"name": n, "url": srv.url, "timeoutSeconds": 10}
                                                       for n, srv in servers.items()])
        setattr(stack, attribute, servers)
        stack.wait_for_tools(wait_for)
        yield stack
    finally:
        if stack is not None:
            stack.stop()
        for srv in servers.values():
            srv.stop()


class ScriptServer(Proc):
    """A test MCP server script (tests/<script>) on a free port, ready when its /healthz answers."""

    def __init__(self, name, script, log_dir, *args):
        import sys
        self.port = free_port()
        super().__init__(name, [sys.executable, str(Path(__file__).with_name(script)), "--port", str(self.port),
                                "--name", name, *args], log_dir)
        wait_for_http(f"http://127.0.0.1:{self.port}/healthz")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/mcp"
