"""Governance end to end: metrics parsed by prometheus_client, rate limits, the audit trail,
health, and live reconfiguration with a client connected."""
import json
import threading
import time
import urllib.request

import anyio
import mcp_types as types
import pytest
from mcp import Client
from prometheus_client.parser import text_string_to_metric_families

from federation_stack import ExampleServer, FederatedStack


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    d = tmp_path_factory.mktemp("gov")
    s = FederatedStack(d, config_overrides={
        "rateLimits": [{"calls": 3, "perSeconds": 60, "key": "identity_tool", "tools": ["calculus_simplify"]}],
        "audit": {"destination": str(d / "audit.log"), "includeArgumentNames": True},
    })
    s.audit_path = d / "audit.log"
    yield s
    s.stop()


@pytest.fixture
def anyio_backend():
    return "asyncio"


def scrape(stack):
    with urllib.request.urlopen(f"http://127.0.0.1:{stack.admin_port}/metrics", timeout=5) as r:
        assert r.headers["content-type"].startswith("text/plain")
        text = r.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples, text


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0)


def eventually(check, timeout=5.0):
    """Forwarded calls are reported by Envoy's access log, flushed every 0.2 s: poll briefly."""
    deadline = time.time() + timeout
    while True:
        result = check()
        if result or time.time() > deadline:
            return result
        time.sleep(0.05)


def call(stack, session, name, args, id=1):
    return stack.post({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": args}},
                      stack.session_headers(session))


def test_metrics_count_what_happened(stack):
    before, _ = scrape(stack)
    s = stack.initialize()
    for i in range(5):
        assert call(stack, s, "calculus_differentiate", {"expression": f"x**{i + 2}"}, id=i)[0] == 200
    call(stack, s, "calculus_no_such_tool", {})
    stack.post({"jsonrpc": "2.0", "id": 9, "method": "tools/list"}, stack.session_headers(s))
    ok = dict(server="calculus", tool="calculus_differentiate", outcome="ok")
    eventually(lambda: value(scrape(stack)[0], "mcp_tool_calls_total", **ok) - value(before, "mcp_tool_calls_total", **ok) >= 5)
    after, text = scrape(stack)
    assert value(after, "mcp_tool_calls_total", **ok) - value(before, "mcp_tool_calls_total", **ok) == 5
    hist = dict(server="calculus", tool="calculus_differentiate")
    assert value(after, "mcp_tool_call_duration_seconds_count", **hist) - value(before, "mcp_tool_call_duration_seconds_count", **hist) == 5
    assert value(after, "mcp_tool_call_duration_seconds_sum", **hist) > 0
    assert value(after, "mcp_requests_total", method="tools/list", outcome="ok") >= 1
    assert value(after, "mcp_requests_total", method="tools/call", outcome="error") - \
        value(before, "mcp_requests_total", method="tools/call", outcome="error") == 1
    assert value(after, "mcp_upstream_up", server="calculus") == 1 and value(after, "mcp_upstream_up", server="physics") == 1
    assert value(after, "mcp_upstream_tools", server="calculus") == 8
    assert value(after, "mcp_sessions_active") >= 1
    assert value(after, "mcp_catalog_refreshes_total", server="calculus") >= 1
    assert value(after, "process_resident_memory_bytes") > 1_000_000
    assert value(after, "process_open_fds") > 0 and value(after, "process_start_time_seconds") > 1.7e9
    assert value(after, "mcp_gateway_build_info", version="0.1.0") == 1
    # a client inventing tool names cannot create series
    assert "calculus_no_such_tool" not in text
    assert "# TYPE mcp_tool_calls_total counter" in text and "# HELP mcp_tool_calls_total" in text


def test_rate_limit_refuses_the_call_over_the_limit(stack):
    s = stack.initialize()
    sent_before = stack.envoy.stat("cluster.calculus.upstream_rq_total")
    for i in range(3):
        status, _, body = call(stack, s, "calculus_simplify", {"expression": "x+x"}, id=i)
        assert status == 200 and "result" in body
    status, headers, body = call(stack, s, "calculus_simplify", {"expression": "x+x"}, id=4)
    assert status == 429 and int(headers["retry-after"]) >= 1
    assert body["error"]["code"] == -32000 and "Rate limit" in body["error"]["message"]
    assert stack.envoy.stat("cluster.calculus.upstream_rq_total") - sent_before == 3  # the refused call never left
    # other tools are not limited by this rule
    assert call(stack, s, "calculus_differentiate", {"expression": "x"})[0] == 200
    samples, _ = scrape(stack)
    assert value(samples, "mcp_rate_limited_total", server="calculus") >= 1
    assert value(samples, "mcp_tool_calls_total", server="calculus", tool="calculus_simplify", outcome="rate_limited") >= 1


def test_rate_limit_counts_initialize_when_a_rule_lists_it(tmp_path):
    """Regression (security review): initialize is answered by the gateway and minted a session per request at
    any rate. A rule with methods: [initialize] limits it per identity (anonymous callers share one key)."""
    import signal as sig
    s2 = FederatedStack(tmp_path)
    try:
        # Limited only once the stack is up (its start-up polling initializes too): a live reload.
        cfg = json.loads(s2.config.read_text())
        cfg["rateLimits"] = [{"calls": 3, "perSeconds": 60, "methods": ["initialize"]}]
        s2.config.write_text(json.dumps(cfg))
        s2.gateway.popen.send_signal(sig.SIGHUP)
        deadline = time.time() + 5
        while s2.gateway.output().count("config reloaded") < 1 and time.time() < deadline:
            time.sleep(0.1)
        for _ in range(3):
            assert s2.initialize()
        status, headers, body = s2.post({"jsonrpc": "2.0", "id": 5, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
        assert status == 429 and int(headers["retry-after"]) >= 1 and "mcp-session-id" not in headers
        assert body["id"] == 5 and body["error"]["code"] == -32000 and "initialize" in body["error"]["message"], body
        assert s2.metric_value("mcp_requests_total", method="initialize", outcome="error") >= 1
    finally:
        s2.stop()


def test_audit_line_per_tool_call(stack):
    s = stack.initialize()
    time.sleep(0.6)  # earlier tests' calls reach the audit with Envoy's access log flush (0.2 s)
    n0 = len(stack.audit_path.read_text().splitlines()) if stack.audit_path.exists() else 0
    call(stack, s, "physics_kinetic_energy", {"mass": 2, "velocity": 3})
    call(stack, s, "calculus_nope", {})
    read = lambda: [json.loads(l) for l in stack.audit_path.read_text().splitlines()[n0:]]
    lines = eventually(lambda: len(read()) >= 2 and read())
    time.sleep(0.3)  # nothing more arrives
    lines = read()
    assert len(lines) == 2, lines
    # The unknown tool is refused (and audited) at once; the forwarded call when Envoy reports its end.
    ok = next(l for l in lines if l["outcome"] != "unknown_tool")
    unknown = next(l for l in lines if l["outcome"] == "unknown_tool")
    assert ok["event"] == "tool_call" and ok["server"] == "physics" and ok["tool"] == "physics_kinetic_energy"
    assert ok["outcome"] == "ok" and ok["status"] == 200 and ok["duration_ms"] >= 0 and ok["caller"] == "anonymous"
    assert ok["argument_names"] == ["mass", "velocity"] and ok["request_id"]
    assert ok["session"] and ok["session"] not in s  # a non-reversible reference, not the id
    assert unknown["outcome"] == "unknown_tool" and unknown["tool"] == "calculus_nope"
    assert "3" not in json.dumps(ok["argument_names"])  # names only, never values


def test_health_endpoints(stack):
    for path in ["/healthz", "/readyz"]:
        with urllib.request.urlopen(f"http://127.0.0.1:{stack.admin_port}{path}", timeout=5) as r:
            assert r.status == 200


@pytest.mark.anyio
async def test_live_reload_adds_a_server_and_tells_connected_clients(stack, tmp_path):
    extra = ExampleServer("mechanics", "physics.py", tmp_path)
    changed = anyio.Event()

    async def handler(message):
        if isinstance(message, types.ToolListChangedNotification):
            changed.set()

    failures = []
    stop = threading.Event()
    s = stack.initialize()

    def hammer():
        while not stop.is_set():
            status, _, body = call(stack, s, "calculus_differentiate", {"expression": "x**2"})
            if status != 200 or "result" not in body:
                failures.append((status, body))

    t = threading.Thread(target=hammer)
    try:
        with anyio.fail_after(40):
            async with Client(stack.url, mode="legacy", message_handler=handler) as client:
                await anyio.sleep(0.5)
                t.start()
                cfg = json.loads(stack.config.read_text())
                cfg["servers"].append({"name": "mechanics", "prefix": "mech_", "url": f"{extra.base}/mcp"})
                stack.config.write_text(json.dumps(cfg))
                await changed.wait()
                names = [t.name for t in (await client.list_tools()).tools]
                assert "mech_solve" in names and "physics_solve" in names
                # no Envoy change: the dynamic forward proxy reaches the new server
                r = await client.call_tool("mech_kinetic_energy", {"mass": 2, "velocity": 3})
                assert r.is_error is False and "9" in r.content[0].text
                # an invalid file is refused; the old config keeps serving
                before, _ = scrape(stack)
                stack.config.write_text("{ this is not json")
                deadline = time.time() + 10
                while time.time() < deadline:
                    now, _ = scrape(stack)
                    if value(now, "mcp_config_reloads_total", result="failure") > value(before, "mcp_config_reloads_total", result="failure"):
                        break
                    await anyio.sleep(0.2)
                else:
                    raise AssertionError("invalid config not noticed")
                assert "config reload refused" in stack.gateway.output()
                r = await client.call_tool("mech_kinetic_energy", {"mass": 1, "velocity": 1})
                assert r.is_error is False
    finally:
        stop.set()
        if t.is_alive():
            t.join(10)
        stack.config.write_text(json.dumps(cfg))
        extra.stop()
    assert not failures, failures[:3]


def test_sighup_reloads_and_sigterm_drains(tmp_path):
    import signal as sig
    s2 = FederatedStack(tmp_path)
    try:
        s2.gateway.popen.send_signal(sig.SIGHUP)
        deadline = time.time() + 5
        while "config reloaded" not in s2.gateway.output() and time.time() < deadline:
            time.sleep(0.1)
        assert "config reloaded" in s2.gateway.output() and s2.gateway.popen.poll() is None
        s = s2.initialize()
        assert call(s2, s, "calculus_simplify", {"expression": "x+x"})[0] == 200
        s2.gateway.popen.send_signal(sig.SIGTERM)
        assert s2.gateway.popen.wait(15) == 0
        assert "stopped" in s2.gateway.output()
    finally:
        s2.stop()
