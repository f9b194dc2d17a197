"""The MCP suite of bench/run_bench.py: the same MCP workloads, on the same backends, through

  backend directly | Envoy alone (plain route) | Envoy + mcp-gateway (ext_proc) | Envoy + native mcp_router

plus the tools/list scale figure (2 vs 18 federated servers). Every process listens on 127.0.0.1,
every wrk run is bounded in time, and everything started here is stopped on the way out, errors included.
"""
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from harness import ROOT, Gateway, Proc, free_port, gateway_binary, render_envoy_config, wait_for_http, wait_for_port
from harness import Envoy as _Envoy

TOOLS_PER_SERVER = 72          # 18 servers x 72 = 1,296 tools for the scale figure
SCALE_SERVERS = (2, 18)
WORKLOADS = [
    ("call", "tools/call on an established session"),
    ("list", "tools/list on an established session (2 servers x 72 tools federated; 72 tools direct)"),
    ("init_call", "initialize + notifications/initialized + first tools/call (a new session each time)"),
    ("mixed", "mixed: 60% tools/call (two servers), 20% tools/list, 10% ping, 10% initialize"),
]
# Workloads also measured at half of the gateway's peak rate (latency at a given load, all paths at the same rate).
HALF_LOAD = ("call", "list")
WRK_SCRIPT = ROOT / "bench" / "wrk-mcp.lua"
PROTOCOL_VERSION = "2025-11-25"


# ---------------------------------------------------------------------------------------------
# processes


def backend_binary() -> Path:
    override = os.environ.get("MCP_BENCH_BACKEND_BIN")
    if override:
        return Path(override)
    for candidate in (ROOT / ".build" / "release" / "mcp-bench-backend", ROOT / ".build-bench" / "release" / "mcp-bench-backend"):
        if candidate.exists():
            return candidate
    # One command sets up what it needs: build the backend like `make build-release` builds the gateway.
    print("building mcp-bench-backend (release)...", file=sys.stderr, flush=True)
    subprocess.run(["swift", "build", "-c", "release", "--product", "mcp-bench-backend"], cwd=ROOT, check=True)
    return ROOT / ".build" / "release" / "mcp-bench-backend"


def _stop_if_started(proc):
    if getattr(proc, "popen", None) is not None:
        try:
            proc.stop()
        except Exception:
            pass


class Envoy(_Envoy):
    """harness.Envoy that does not leak its process when it never becomes ready."""

    def __init__(self, *a, **kw):
        try:
            super().__init__(*a, **kw)
        except BaseException:
            _stop_if_started(self)
            raise


class SafeGateway(Gateway):
    """harness.Gateway (pass-through mode) that does not leak its process when it never becomes ready."""

    def __init__(self, *a, **kw):
        try:
            super().__init__(*a, **kw)
        except BaseException:
            _stop_if_started(self)
            raise


class Backend(Proc):
    """mcp-bench-backend serving one MCP server per port (same tools on each, distinct serverInfo names)."""

    def __init__(self, log_dir: Path, count: int, tools=TOOLS_PER_SERVER, threads=1, name="backend"):
        self.ports = [free_port() for _ in range(count)]
        args = [str(backend_binary()), "--ports", ",".join(map(str, self.ports)), "--tools", str(tools),
                "--threads", str(threads), "--server-name", "bench"]
        super().__init__(name, args, log_dir)
        try:
            for p in self.ports:
                wait_for_port(p)
        except BaseException:
            _stop_if_started(self)
            raise


def gateway_config(tmp: Path, ports, name_of, auth=None) -> Path:
    secret = tmp / "session-secret.txt"
    secret.write_text("bench-secret-0123456789abcdef0123456789")
    cfg = {
        "servers": [{"name": name_of(i), "url": f"http://127.0.0.1:{p}/mcp", "timeoutSeconds": 10} for i, p in enumerate(ports)],
        "session": {"secretFile": str(secret)},
        # One page holds the whole merged list, as the native router (which does not paginate) returns it.
        "catalog": {"refreshSeconds": 60, "pageSize": 5000},
    }
    if auth:
        cfg.update(auth)
    path = tmp / f"gateway-{len(ports)}.json"
    path.write_text(json.dumps(cfg, indent=2))
    return path


def server_name(i):
    return f"s{i + 1:02d}"


# ---------------------------------------------------------------------------------------------
# Envoy configs: the shipped ones, with the per-server routes and clusters repeated for N servers


def _indent(line):
    return len(line) - len(line.lstrip(" "))


def _blocks(lines, start_re):
    """(start, end, match) of YAML list items whose first line matches `start_re`; an item ends at the
    next non-blank line indented no deeper than its dash."""
    out = []
    i = 0
    while i < len(lines):
        m = re.match(start_re, lines[i])
        if not m:
            i += 1
            continue
        ind = _indent(lines[i])
        j = i + 1
        while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > ind):
            j += 1
        out.append((i, j, m))
        i = j
    return out


def _replace_blocks(lines, blocks, generated):
    """Drops `blocks` and puts `generated` (a list of lines) where the first one was."""
    first = blocks[0][0]
    drop = set()
    for s, e, _ in blocks:
        drop.update(range(s, e))
    out = []
    for k, line in enumerate(lines):
        if k == first:
            out.extend(generated)
        if k not in drop:
            out.append(line)
    return out


def _expand_clusters(lines, template_name, old_names, names_ports):
    """Replaces the clusters named in `old_names` by one copy of `template_name`'s per (name, port)."""
    clusters = _blocks(lines, r"^  - name: (\S+)\s*$")
    mine = [b for b in clusters if b[2].group(1) in old_names]
    if not mine:
        raise RuntimeError(f"cluster {template_name} not found in the Envoy config")
    tpl = next((b for b in mine if b[2].group(1) == template_name), mine[0])
    tpl_lines = lines[tpl[0]:tpl[1]]
    tpl_name = tpl[2].group(1)
    generated = []
    for name, port in names_ports:
        for line in tpl_lines:
            line = re.sub(rf"\b{re.escape(tpl_name)}\b", name, line)
            line = re.sub(r"port_value: \d+", f"port_value: {port}", line)
            generated.append(line)
    return _replace_blocks(lines, mine, generated)


def gateway_envoy_config(source: Path, dest: Path, names_ports, ports: dict) -> Path:
    """envoy/envoy-noauth.yaml (or envoy.yaml) with one `x-mcp-server` route and one cluster per bench server."""
    lines = source.read_text().splitlines()
    server_re = re.compile(r"name: x-mcp-server, string_match: \{ exact: ([\w.-]+) \}")
    routes, old_names = [], set()
    for b in _blocks(lines, r"^\s*- match:\s*$"):
        m = server_re.search("\n".join(lines[b[0]:b[1]]))
        if m:
            routes.append(b)
            old_names.add(m.group(1))
    if not routes:
        raise RuntimeError(f"{source}: no per-server `x-mcp-server` routes to repeat")
    tpl = lines[routes[0][0]:routes[0][1]]
    tpl_name = server_re.search("\n".join(tpl)).group(1)
    generated = []
    for name, _ in names_ports:
        generated.extend(re.sub(rf"\b{re.escape(tpl_name)}\b", name, l) for l in tpl)
    lines = _replace_blocks(lines, routes, generated)
    lines = _expand_clusters(lines, tpl_name, old_names, names_ports)
    text = "\n".join(lines) + "\n"
    # Loopback only, whatever the shipped file binds (envoy.yaml listens on 0.0.0.0 in production shape).
    text = text.replace("address: 0.0.0.0,", "address: 127.0.0.1,")
    for old, new in ports.items():
        text = text.replace(f"port_value: {old} ", f"port_value: {new} ").replace(f"port_value: {old}}}", f"port_value: {new}}}")
    dest.write_text(text)
    return dest


def native_envoy_config(dest: Path, names_ports, ports: dict) -> Path:
    """bench/configs/envoy-native-mcp.yaml with its `servers` entries and clusters repeated for N servers."""
    lines = (ROOT / "bench" / "configs" / "envoy-native-mcp.yaml").read_text().splitlines()
    entries = _blocks(lines, r"^\s+- name: (s\d\d)\s*$")
    entries = [b for b in entries if _indent(lines[b[0]]) > 2]  # mcp_router servers, not clusters
    tpl = lines[entries[0][0]:entries[0][1]]
    tpl_name = entries[0][2].group(1)
    generated = []
    for name, _ in names_ports:
        generated.extend(re.sub(rf"\b{tpl_name}\b", name, l) for l in tpl)
    lines = _replace_blocks(lines, entries, generated)
    lines = _expand_clusters(lines, tpl_name, {b[2].group(1) for b in entries}, names_ports)
    text = "\n".join(lines) + "\n"
    for old, new in ports.items():
        text = text.replace(f"port_value: {old} ", f"port_value: {new} ").replace(f"port_value: {old}}}", f"port_value: {new}}}")
    dest.write_text(text)
    return dest


# ---------------------------------------------------------------------------------------------
# a tiny MCP client for set-up and verification (not on the measured path)


def mcp_post(port, body, session=None, extra_headers=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"content-type": "application/json", "accept": "application/json, text/event-stream",
               "mcp-protocol-version": PROTOCOL_VERSION, **(extra_headers or {})}
    if session:
        headers["mcp-session-id"] = session
    try:
        conn.request("POST", "/mcp", body=json.dumps(body).encode(), headers=headers)
        r = conn.getresponse()
        text = r.read().decode(errors="replace")
        hdrs = {k.lower(): v for k, v in r.getheaders()}
    finally:
        conn.close()
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = text
    return r.status, hdrs, parsed


def open_session(port, extra_headers=None):
    status, hdrs, body = mcp_post(port, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": PROTOCOL_VERSION, "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}},
        extra_headers=extra_headers)
    if status != 200 or "mcp-session-id" not in hdrs:
        raise RuntimeError(f"initialize on :{port} answered {status}: {body}")
    session = hdrs["mcp-session-id"]
    status, _, body = mcp_post(port, {"jsonrpc": "2.0", "method": "notifications/initialized"}, session, extra_headers)
    if status not in (200, 202):
        raise RuntimeError(f"notifications/initialized on :{port} answered {status}: {body}")
    return session


def list_tools(port, session, extra_headers=None):
    status, _, body = mcp_post(port, {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}, session, extra_headers)
    if status != 200 or not isinstance(body, dict) or "result" not in body:
        raise RuntimeError(f"tools/list on :{port} answered {status}: {str(body)[:300]}")
    return [t["name"] for t in body["result"]["tools"]]


def call_tool(port, session, name, extra_headers=None):
    status, _, body = mcp_post(port, {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                                      "params": {"name": name, "arguments": {"x": 1}}}, session, extra_headers)
    if status != 200 or not isinstance(body, dict) or "result" not in body:
        raise RuntimeError(f"tools/call {name} on :{port} answered {status}: {str(body)[:300]}")
    return body["result"]["content"][0]["text"]


def wait_for_catalog(port, expected, extra_headers=None, timeout=30):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            names = list_tools(port, open_session(port, extra_headers), extra_headers)
            if len(names) >= expected:
                return names
            last = f"{len(names)} tools"
        except (RuntimeError, OSError) as e:
            last = e
        time.sleep(0.2)
    raise TimeoutError(f"catalog on :{port} never reached {expected} tools: {last}")


# ---------------------------------------------------------------------------------------------
# paths under test


class Path_:
    """One way to reach the backends: its processes (started by `start`), port and tool names."""

    def __init__(self, name, key):
        self.name = name
        self.key = key
        self.port = None
        self.procs = {}          # label -> Proc whose CPU and RSS are measured
        self.tool1 = "tool_0"
        self.tool2 = "tool_1"
        self.headers = {}        # extra request headers (the auth path's bearer token)


def start_path(key, stack: ExitStack, tmp: Path, backend: Backend, n_servers: int, args):
    """Starts the processes for one path in front of `backend` (its first `n_servers` ports)."""
    names_ports = [(server_name(i), backend.ports[i]) for i in range(n_servers)]
    p = Path_({"direct": "backend directly", "alone": "Envoy alone", "gateway": "Envoy + gateway",
               "gateway_before": f"Envoy + gateway, before ({os.environ.get('MCP_BENCH_BEFORE_LABEL', 'MCP_GATEWAY_BIN_BEFORE')})",
               "gateway_variant": f"Envoy + gateway, {os.environ.get('MCP_BENCH_VARIANT_LABEL', 'variant Envoy config')}",
               "native": "Envoy + native mcp_router", **{k: v[0] for k, v in AUTH_PATHS.items()}}[key], key)
    if key == "direct":
        p.port = backend.ports[0]
        return p
    listen, admin = free_port(), free_port()
    if key == "alone":
        cfg = render_envoy_config(ROOT / "bench/configs/envoy-alone.yaml", tmp / "alone.yaml",
                                  {8080: listen, 9901: admin, 9101: backend.ports[0]})
        p.procs["envoy"] = stack.enter_context(_stopping(Envoy(tmp, cfg, listen, admin, name="envoy-alone",
                                                               concurrency=args.envoy_concurrency)))
    elif key in ("gateway", "gateway_before", "gateway_variant") or key in AUTH_PATHS:
        grpc, gw_admin = free_port(), free_port()
        # gateway_before: the same path with an earlier build (MCP_GATEWAY_BIN_BEFORE), for before/after
        # comparisons side by side in one run.
        binary = Path(os.environ["MCP_GATEWAY_BIN_BEFORE"]) if key == "gateway_before" else gateway_binary()
        auth_cfg, envoy_src = None, ROOT / "envoy" / "envoy-noauth.yaml"
        if key in AUTH_PATHS:
            _, method, envoy_file = AUTH_PATHS[key]
            setup = jwt_setup if method == "jwt" else lambda t, r: tokenreview_setup(t, r, stack)
            auth_cfg, token = setup(tmp, f"http://127.0.0.1:{listen}/mcp")
            envoy_src = ROOT / "envoy" / envoy_file
            p.headers = {"authorization": f"Bearer {token}"}
        if not envoy_src.exists():
            envoy_src = ROOT / "envoy" / "envoy.yaml"
        if os.environ.get("MCP_BENCH_GATEWAY_ENVOY") and key == "gateway":
            envoy_src = Path(os.environ["MCP_BENCH_GATEWAY_ENVOY"])
        if key == "gateway_variant":
            # The same binary with another Envoy config (MCP_BENCH_VARIANT_ENVOY), side by side with "gateway".
            envoy_src = Path(os.environ["MCP_BENCH_VARIANT_ENVOY"])
        gcfg = gateway_config(tmp, [pp for _, pp in names_ports], server_name, auth_cfg)
        gw = Proc("gateway", [str(binary), "--config", str(gcfg), "--grpc-listen", f"127.0.0.1:{grpc}",
                              "--admin-listen", f"127.0.0.1:{gw_admin}", "--threads", str(args.gateway_threads)], tmp)
        stack.enter_context(_stopping(gw))
        wait_for_http(f"http://127.0.0.1:{gw_admin}/healthz")
        cfg = gateway_envoy_config(envoy_src, tmp / f"envoy-gateway-{n_servers}.yaml", names_ports,
                                   {8080: listen, 9901: admin, 50051: grpc, 9090: gw_admin})
        envoy = stack.enter_context(_stopping(Envoy(tmp, cfg, listen, admin, name="envoy-gateway",
                                                    concurrency=args.envoy_concurrency)))
        p.procs = {"envoy": envoy, "gateway": gw}
        p.tool1, p.tool2 = "s01_tool_0", "s02_tool_1"
    elif key == "native":
        cfg = native_envoy_config(tmp / f"envoy-native-{n_servers}.yaml", names_ports, {8080: listen, 9901: admin})
        p.procs["envoy"] = stack.enter_context(_stopping(Envoy(tmp, cfg, listen, admin, name="envoy-native",
                                                               concurrency=args.envoy_concurrency)))
        p.tool1, p.tool2 = "s01__tool_0", "s02__tool_1"
    p.port = listen
    return p


class _stopping:
    """Context manager that stops a Proc on exit (so an ExitStack unwinds everything, errors included)."""

    def __init__(self, proc):
        self.proc = proc

    def __enter__(self):
        return self.proc

    def __exit__(self, *exc):
        try:
            self.proc.stop()
        except Exception:
            pass
        return False


# The authenticated paths: (row name, token kind, shipped Envoy config). envoy.yaml reviews the token
# inside ext_proc's headers message; envoy-ext-authz.yaml puts Envoy's ext_authz filter in front.
AUTH_PATHS = {
    "gateway_jwt": ("Envoy + gateway, JWT (in ext_proc)", "jwt", "envoy.yaml"),
    "gateway_jwt_authz": ("Envoy + gateway, JWT (ext_authz)", "jwt", "envoy-ext-authz.yaml"),
    "gateway_tokenreview": ("Envoy + gateway, TokenReview (in ext_proc)", "tokenreview", "envoy.yaml"),
    "gateway_tokenreview_authz": ("Envoy + gateway, TokenReview (ext_authz)", "tokenreview", "envoy-ext-authz.yaml"),
}


def tokenreview_setup(tmp: Path, resource: str, stack: ExitStack):
    """A TokenReview endpoint over HTTPS (tests/auth_fixtures: the stand-in for the Kubernetes API server,
    which cannot run here) that knows one token; the gateway caches the review (warm after the first call)."""
    from auth_fixtures import TokenReviewServer
    (tmp / "reviewer-token").write_text("bench-reviewer-token\n")
    reviewer = TokenReviewServer(tmp, "bench-reviewer-token")
    stack.callback(reviewer.stop)
    token = "k8s-bench-token"
    reviewer.tokens[token] = ("system:serviceaccount:bench:agent", ["system:serviceaccounts"], ["mcp-gateway"])
    auth = {"auth": {"kubernetes": {"apiServer": reviewer.url, "caFile": str(reviewer.ca), "tokenFile": str(tmp / "reviewer-token"),
                                    "audiences": ["mcp-gateway"]},
                     "resource": resource, "cacheTTLSeconds": 300},
            "authorization": {"rules": [{"serviceAccounts": ["bench/*"], "servers": ["*"]}]}}
    return auth, token


def jwt_setup(tmp: Path, resource: str):
    """Hook for the authenticated variant: an ES256 key, its JWKS, a token, and the gateway's `auth`
    section (envoy/envoy.yaml then sends every request through ext_authz before ext_proc)."""
    import jwt  # PyJWT, in the venv for examples/auth
    from cryptography.hazmat.primitives.asymmetric import ec
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": "bench", "use": "sig", "alg": "ES256"})
    jwks = tmp / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk]}))
    now = int(time.time())
    token = jwt.encode({"iss": "https://issuer.example", "aud": "mcp-gateway", "sub": "bench", "scope": "mcp",
                        "iat": now, "exp": now + 3600}, key, algorithm="ES256", headers={"kid": "bench"})
    auth = {"auth": {"jwt": {"issuer": "https://issuer.example", "audiences": ["mcp-gateway"], "jwksFile": str(jwks)},
                     "resource": resource, "scopes": ["mcp"], "cacheTTLSeconds": 300},
            "authorization": {"rules": [{"subjects": ["bench"], "servers": ["*"]}]}}
    return auth, token


def verify_path(p: Path_, n_servers: int):
    """Before measuring: the path answers, lists the expected tools and routes calls to the right server."""
    if p.key.startswith("gateway"):
        wait_for_catalog(p.port, n_servers * TOOLS_PER_SERVER, p.headers)
    session = open_session(p.port, p.headers)
    names = list_tools(p.port, session, p.headers)
    expected = TOOLS_PER_SERVER * (1 if p.key in ("direct", "alone") else n_servers)
    if len(names) != expected or p.tool1 not in names:
        raise RuntimeError(f"{p.name}: tools/list has {len(names)} tools (expected {expected}, with {p.tool1})")
    text = call_tool(p.port, session, p.tool1, p.headers)
    if not text.endswith("ran tool_0"):
        raise RuntimeError(f"{p.name}: tools/call {p.tool1} answered {text!r}")
    if p.key not in ("direct", "alone"):
        text2 = call_tool(p.port, session, p.tool2, p.headers)
        if not text2.endswith("ran tool_1") or text2.split(" ran")[0] == text.split(" ran")[0]:
            raise RuntimeError(f"{p.name}: tools/call {p.tool2} answered {text2!r} (first server said {text!r})")
    return session


# ---------------------------------------------------------------------------------------------
# measuring


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    clk = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / clk


def peak_rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_wrk(port, duration, connections, workload, p: Path_, session, delay_ms=None):
    args = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{duration}s", "--timeout", "5s", "-s", str(WRK_SCRIPT)]
    if p.headers.get("authorization"):
        args += ["-H", f"Authorization: {p.headers['authorization']}"]
    args += [f"http://127.0.0.1:{port}/mcp", "--", workload, p.tool1, p.tool2, session or "-"]
    env = dict(os.environ)
    env.pop("WRK_DELAY_MS", None)
    if delay_ms is not None:
        env["WRK_DELAY_MS"] = f"{delay_ms:.3f}"
    out = subprocess.run(args, capture_output=True, text=True, timeout=duration + 30, env=env)
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    if not lines:
        raise RuntimeError(f"wrk produced no result: {out.stdout[-500:]} {out.stderr[-500:]}")
    return json.loads(lines[-1])


EXTPROC_STAT = "http.mcp.ext_proc."


class StreamSampler:
    """Samples Envoy's count of open ext_proc gRPC streams (the gateway cluster's upstream_rq_active)
    every 50 ms while a run lasts; keeps the maximum."""

    STAT = "cluster.mcp_gateway_grpc.upstream_rq_active"

    def __init__(self, envoy):
        self.envoy, self.peak = envoy, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.05):
            try:
                self.peak = max(self.peak, self.envoy.stat(self.STAT))
            except OSError:
                pass

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def measure_at_rate(p: Path_, backend: Backend, workload, session, args, rate):
    """Latency at a fixed request rate (closed loop with a per-request pause tuned in two short
    calibration runs); returns the wrk result of the measured run, with `target_rps`."""
    conns = args.connections
    interval_ms = conns * 1000.0 / rate          # each connection's time per request at the target rate
    delay = max(0.0, interval_ms - 0.6)           # first guess: ~0.6 ms per request
    for _ in range(2):
        cal = run_wrk(p.port, max(1, min(2, args.duration)), conns, workload, p, session, delay_ms=delay)
        latency_ms = max(0.0, conns * 1000.0 / max(1.0, cal["rps"]) - delay)
        delay = max(0.0, interval_ms - latency_ms)
    r = run_wrk(p.port, args.duration, conns, workload, p, session, delay_ms=delay)
    r["target_rps"] = rate
    r["delay_ms"] = delay
    return r


def measure(p: Path_, backend: Backend, workload, session, args):
    """Warm-up, then `args.repeat` measured runs on the same processes; returns the run with the median
    req/s (with rps_min/rps_max of all runs), its CPU and RSS figures."""
    session_arg = None if workload == "init_call" else session
    run_wrk(p.port, args.warmup, args.connections, workload, p, session_arg)
    procs = dict(p.procs)
    procs["backend"] = backend
    runs = []
    for _ in range(max(1, getattr(args, "repeat", 1))):
        before = {k: cpu_seconds(proc.popen.pid) for k, proc in procs.items()}
        if "gateway" in p.procs:
            envoy = p.procs["envoy"]
            sent0, received0 = (envoy.stat(EXTPROC_STAT + "stream_msgs_sent"), envoy.stat(EXTPROC_STAT + "stream_msgs_received"))
            with StreamSampler(envoy) as sampler:
                r = run_wrk(p.port, args.duration, args.connections, workload, p, session_arg)
            r["extproc_streams_peak"] = sampler.peak
            # ext_proc messages per request each way (Envoy's own counters): the cost driver.
            r["extproc_msgs_sent"] = (envoy.stat(EXTPROC_STAT + "stream_msgs_sent") - sent0) / max(1, r["requests"])
            r["extproc_msgs_received"] = (envoy.stat(EXTPROC_STAT + "stream_msgs_received") - received0) / max(1, r["requests"])
        else:
            r = run_wrk(p.port, args.duration, args.connections, workload, p, session_arg)
        for k, proc in procs.items():
            if proc.popen.poll() is not None:
                raise RuntimeError(f"{k} exited during {p.name}/{workload}: see {proc.log_path}")
            used = cpu_seconds(proc.popen.pid) - before[k]
            r[f"{k}_cpu_s_per_1k"] = used / max(1, r["requests"]) * 1000
            r[f"{k}_peak_rss_mb"] = peak_rss_mb(proc.popen.pid)
        r["sessions_per_s"] = r.get("sent_call", 0) / r["seconds"] if workload == "init_call" else None
        runs.append(r)
    runs.sort(key=lambda x: x["rps"])
    chosen = dict(runs[len(runs) // 2])
    chosen["rps_min"], chosen["rps_max"], chosen["runs"] = runs[0]["rps"], runs[-1]["rps"], len(runs)
    return chosen


def response_size(p: Path_, session):
    """Bytes of one tools/list response (as the client receives it)."""
    status, _, body = mcp_post(p.port, {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}, session, p.headers)
    return len(json.dumps(body, separators=(",", ":")))


def run_mcp(args, tmp: Path, log):
    """Returns {"workloads": {workload: {path name: result}}, "scale": {...}, "notes": [...]}."""
    wanted = set(args.paths.split(","))
    keys = [k for k in ("direct", "alone", "gateway", "gateway_before", "gateway_variant", "native") if k in wanted]
    if "gateway_variant" in keys and not os.environ.get("MCP_BENCH_VARIANT_ENVOY"):
        raise SystemExit("--paths gateway_variant needs MCP_BENCH_VARIANT_ENVOY (an Envoy config for the gateway path)")
    if "gateway_before" in keys and not os.environ.get("MCP_GATEWAY_BIN_BEFORE"):
        raise SystemExit("--paths gateway_before needs MCP_GATEWAY_BIN_BEFORE (the earlier gateway binary)")
    for auth_key in [k for k in args.gateway_auth.split(",") if k and k != "none"]:
        keys.insert(keys.index("native") if "native" in keys else len(keys), "gateway_" + auth_key)
    workloads = [w for w, _ in WORKLOADS if w in args.workloads.split(",")]
    results = {"workloads": {w: {} for w, _ in WORKLOADS}, "scale": {}, "notes": [], "outliers": []}
    with ExitStack() as outer:
        backend = outer.enter_context(_stopping(Backend(tmp, 2, threads=args.backend_threads)))
        log(f"MCP suite: backend pid {backend.popen.pid} on ports {backend.ports}")
        for workload in workloads:
            # The gateway first: its peak sets the rate every path is measured at for latency at half load.
            half_rate = None
            order = sorted(keys, key=lambda k: 0 if k == "gateway" else 1) if workload in HALF_LOAD else keys
            for key in order:
                with ExitStack() as stack:
                    row_dir = tmp / f"{workload}-{key}"
                    row_dir.mkdir(exist_ok=True)
                    p = start_path(key, stack, row_dir, backend, 2, args)
                    session = verify_path(p, 2)
                    log(f"  {workload:10s} {p.name} ...")
                    r = measure(p, backend, workload, session, args)
                    results["workloads"][workload][p.name] = r
                    if workload in HALF_LOAD and not args.smoke:
                        if key == "gateway":
                            half_rate = r["rps"] / 2
                        if half_rate:
                            h = measure_at_rate(p, backend, workload, None if workload == "init_call" else session, args, half_rate)
                            results.setdefault("half", {}).setdefault(workload, {})[p.name] = h
                            log(f"  {workload:10s} {p.name} at {h['rps']:.0f} req/s: p50 {h['p50_us'] / 1000:.2f} ms "
                                f"p99 {h['p99_us'] / 1000:.2f} ms")
                    log(f"  {workload:10s} {p.name}: {r['rps']:.0f} req/s p50 {r['p50_us'] / 1000:.2f} ms "
                        f"p99 {r['p99_us'] / 1000:.2f} ms errors {r['errors']} non2xx {r['non2xx']}")

    # Scale: tools/list latency with 2 and 18 federated servers (same 18-port backend process).
    scale_keys = [k for k in ("gateway", "native") if k in keys]
    if "scale" not in args.workloads.split(",") or not scale_keys:
        return results
    with ExitStack() as outer:
        big = outer.enter_context(_stopping(Backend(tmp, max(SCALE_SERVERS), threads=args.backend_threads, name="backend18")))
        for key in scale_keys:
            for n in SCALE_SERVERS:
                with ExitStack() as stack:
                    row_dir = tmp / f"scale{n}-{key}"
                    row_dir.mkdir(exist_ok=True)
                    p = start_path(key, stack, row_dir, big, n, args)
                    session = verify_path(p, n)
                    size = response_size(p, session)
                    r = measure(p, big, "list", session, args)
                    r["tools"] = n * TOOLS_PER_SERVER
                    r["bytes"] = size
                    results["scale"][(p.name, n)] = r
                    log(f"  scale {p.name} {n} servers: {r['rps']:.0f} req/s p50 {r['p50_us'] / 1000:.2f} ms "
                        f"p99 {r['p99_us'] / 1000:.2f} ms ({size} bytes)")
    return results


# ---------------------------------------------------------------------------------------------
# markdown


def _f(v, digits=2):
    return "-" if v is None else f"{v:.{digits}f}"


def mcp_markdown(results, args):
    out = [PATH_NOTES]
    for workload, title in WORKLOADS:
        rows = results["workloads"].get(workload) or {}
        if not rows:
            continue
        alone = rows.get("Envoy alone")
        native = rows.get("Envoy + native mcp_router")
        out += [f"### {title}", "",
                "| path | req/s | req/s vs Envoy alone | req/s vs native | p50 ms | p99 ms | p99.9 ms | max ms | errors + non-2xx "
                "| Envoy CPU s/1k | gateway CPU s/1k | Envoy+gateway CPU vs native | backend CPU s/1k | Envoy peak RSS MB | gateway peak RSS MB |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for name, r in rows.items():
            proxy_cpu = r.get("envoy_cpu_s_per_1k", 0) + r.get("gateway_cpu_s_per_1k", 0)
            native_cpu = native.get("envoy_cpu_s_per_1k") if native else None
            cpu_ratio = f"{proxy_cpu / native_cpu:.2f}x" if native_cpu and "envoy_cpu_s_per_1k" in r else "-"
            out.append(
                f"| {name} | {_rps(r)} | {_ratio(r, alone)} | {_ratio(r, native)} | {r['p50_us'] / 1000:.2f} | "
                f"{r['p99_us'] / 1000:.2f} | {r['p999_us'] / 1000:.2f} | {r['max_us'] / 1000:.1f} | {r['errors'] + r['non2xx']} | "
                f"{_f(r.get('envoy_cpu_s_per_1k'), 3)} | {_f(r.get('gateway_cpu_s_per_1k'), 3)} | {cpu_ratio} | "
                f"{_f(r.get('backend_cpu_s_per_1k'), 3)} | {_f(r.get('envoy_peak_rss_mb'), 1)} | {_f(r.get('gateway_peak_rss_mb'), 1)} |")
        streams = [f"{name} {r['extproc_streams_peak']}" for name, r in rows.items() if "extproc_streams_peak" in r]
        if streams:
            out += ["", "ext_proc streams open at once at this load (Envoy's `cluster.mcp_gateway_grpc.upstream_rq_active`, "
                    "sampled every 50 ms, maximum): " + ", ".join(streams) + "."]
        msgs = [f"{name} {r['extproc_msgs_sent']:.2f} / {r['extproc_msgs_received']:.2f}" for name, r in rows.items() if "extproc_msgs_sent" in r]
        if msgs:
            out += ["", "ext_proc messages per request, Envoy sent / received (`http.mcp.ext_proc.stream_msgs_sent` / "
                    "`stream_msgs_received`): " + ", ".join(msgs) + "."]
        half = (results.get("half") or {}).get(workload)
        if half:
            base = half.get("Envoy alone")
            out += ["", f"Latency at half of the gateway's peak ({next(iter(half.values()))['target_rps']:.0f} req/s target, every path "
                    "at the same rate; closed loop with a per-request pause, see `measure_at_rate`):", "",
                    "| path | req/s reached | p50 ms | p90 ms | p99 ms | p99.9 ms | added p50 ms vs Envoy alone | added p99 ms vs Envoy alone |",
                    "|---|---|---|---|---|---|---|---|"]
            for name, h in half.items():
                add50 = f"{(h['p50_us'] - base['p50_us']) / 1000:+.2f}" if base and h is not base else "-"
                add99 = f"{(h['p99_us'] - base['p99_us']) / 1000:+.2f}" if base and h is not base else "-"
                out.append(f"| {name} | {h['rps']:.0f} | {h['p50_us'] / 1000:.2f} | {h['p90_us'] / 1000:.2f} | {h['p99_us'] / 1000:.2f} | "
                           f"{h['p999_us'] / 1000:.2f} | {add50} | {add99} |")
        if workload == "init_call":
            out += ["", "New sessions per second (each = initialize + notifications/initialized + tools/call): " +
                    ", ".join(f"{name} {r['sessions_per_s']:.0f}" for name, r in rows.items()) + "."]
        out.append("")
    if results["scale"]:
        out += ["### Scale: tools/list with 2 and 18 federated servers (72 tools each)", "",
                "| path | servers | tools | response bytes | req/s | p50 ms | p99 ms | p99.9 ms | errors + non-2xx | Envoy CPU s/1k | gateway CPU s/1k | backend CPU s/1k | Envoy peak RSS MB | gateway peak RSS MB |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for (name, n), r in results["scale"].items():
            out.append(f"| {name} | {n} | {r['tools']} | {r['bytes']} | {_rps(r)} | {r['p50_us'] / 1000:.2f} | "
                       f"{r['p99_us'] / 1000:.2f} | {r['p999_us'] / 1000:.2f} | {r['errors'] + r['non2xx']} | "
                       f"{_f(r.get('envoy_cpu_s_per_1k'), 3)} | {_f(r.get('gateway_cpu_s_per_1k'), 3)} | "
                       f"{_f(r.get('backend_cpu_s_per_1k'), 3)} | {_f(r.get('envoy_peak_rss_mb'), 1)} | {_f(r.get('gateway_peak_rss_mb'), 1)} |")
        out.append("")
    return "\n".join(out)


PATH_NOTES = """How the paths differ (facts of the configs, not measurements):

- **backend directly / Envoy alone**: `s01` only; Envoy alone is a plain route (bench/configs/envoy-alone.yaml).
- **Envoy + gateway**: envoy/envoy-noauth.yaml with one `x-mcp-server` route and cluster per server, gateway
  config pointing at the bench servers. Tool names `s01_tool_0` (prefix `<name>_`). `initialize`, `tools/list`,
  `ping` and notifications are answered by the gateway from its warm catalog (no backend traffic); `tools/call`
  goes to the owning server's cluster with the name rewritten, on a backend session the gateway opens per
  (client session, server) on first use. `catalog.pageSize` is raised to 5000 so one page holds every tool,
  as the native router returns them.
- **Envoy + native mcp_router** (bench/configs/envoy-native-mcp.yaml): `envoy.filters.http.mcp` +
  `envoy.filters.http.mcp_router` in the stock 1.40 binary. Tool names `s01__tool_0` (fixed `__`
  separator, the server's `name`). `initialize`, `notifications/initialized` and `tools/list` are fanned
  out to **every** server on **every** request and merged in Envoy (no catalog cache); `tools/call` goes to
  one server; `ping` is answered by Envoy. The client's `mcp-session-id` is an unsigned base64 of the
  backends' own session ids.
"""


def _rps(r):
    if r.get("runs", 1) > 1:
        return f"{r['rps']:.0f} ({r['rps_min']:.0f}-{r['rps_max']:.0f})"
    return f"{r['rps']:.0f}"


def _ratio(r, base):
    if not base or not base.get("rps"):
        return "-"
    return f"{r['rps'] / base['rps']:.2f}x"
