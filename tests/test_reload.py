"""Live reload applies everything it says it does (issue 11): a changed audit destination, a changed
session lifetime; it keeps the rate-limit buckets when the rules did not change, and it does not leak
a file descriptor per reload. Real Envoy, real example servers, the gateway reloading on SIGHUP."""
import json
import os
import time

import pytest

from federation_stack import FederatedStack


def rewrite_and_reload(stack, edit):
    stack.reconfigure(edit)


def call(stack, session, name, arguments):
    return stack.post({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": name, "arguments": arguments}},
                      stack.session_headers(session))


def audit_lines(path):
    return [json.loads(l) for l in path.read_text().splitlines()] if path.exists() else []


def wait_for(predicate, timeout=5.0):
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, "condition not reached"
        time.sleep(0.1)


@pytest.fixture
def stack(tmp_path):
    s = FederatedStack(tmp_path, config_overrides={
        "audit": {"destination": str(tmp_path / "audit-a.log")},
        "rateLimits": [{"calls": 2, "perSeconds": 600, "key": "identity_tool", "tools": ["calculus_simplify"]}],
    })
    yield s
    s.stop()


def test_reloads_do_not_leak_descriptors_and_a_new_audit_file_is_used(stack, tmp_path):
    session = stack.initialize()
    status, _, body = call(stack, session, "calculus_differentiate", {"expression": "x**2", "variable": "x"})
    assert status == 200 and "result" in body, body
    wait_for(lambda: len(audit_lines(tmp_path / "audit-a.log")) == 1)

    fds = len(os.listdir(f"/proc/{stack.gateway.popen.pid}/fd"))
    for i in range(6):  # unchanged and changed reloads alike (each used to open the audit file again)
        rewrite_and_reload(stack, lambda cfg: cfg["catalog"].update(refreshSeconds=2 + i % 2))
    # Swap the audit destination and back: one file open at a time, the replaced one closed.
    rewrite_and_reload(stack, lambda cfg: cfg["audit"].update(destination=str(tmp_path / "audit-b.log")))
    status, _, body = call(stack, session, "calculus_differentiate", {"expression": "x**3", "variable": "x"})
    assert status == 200 and "result" in body, body
    wait_for(lambda: len(audit_lines(tmp_path / "audit-b.log")) == 1)
    assert audit_lines(tmp_path / "audit-b.log")[0]["tool"] == "calculus_differentiate"
    assert len(audit_lines(tmp_path / "audit-a.log")) == 1, "the old destination got the new call too"
    rewrite_and_reload(stack, lambda cfg: cfg["audit"].update(destination=str(tmp_path / "audit-a.log")))
    after = len(os.listdir(f"/proc/{stack.gateway.popen.pid}/fd"))
    # A connection or two may come and go meanwhile; eight leaked files would not.
    assert after <= fds + 2, (fds, after)
    open_audit = [os.readlink(f"/proc/{stack.gateway.popen.pid}/fd/{fd}")
                  for fd in os.listdir(f"/proc/{stack.gateway.popen.pid}/fd")]
    assert sum(p.endswith("audit-b.log") for p in open_audit) == 0, "replaced audit file still open"
    assert sum(p.endswith("audit-a.log") for p in open_audit) == 1


def test_rate_limit_buckets_survive_a_reload_that_does_not_touch_them(stack):
    session = stack.initialize()
    for _ in range(2):
        status, _, body = call(stack, session, "calculus_simplify", {"expression": "x+x"})
        assert status == 200 and "result" in body, body
    # Used to build a new limiter on every reload: the third call went through.
    rewrite_and_reload(stack, lambda cfg: cfg["catalog"].update(refreshSeconds=3))
    status, headers, _ = call(stack, session, "calculus_simplify", {"expression": "x+x"})
    assert status == 429 and int(headers["retry-after"]) >= 1
    # Changing the rules themselves starts new buckets (documented).
    rewrite_and_reload(stack, lambda cfg: cfg["rateLimits"][0].update(calls=3))
    status, _, body = call(stack, session, "calculus_simplify", {"expression": "x+x"})
    assert status == 200 and "result" in body, body


def test_a_shorter_session_lifetime_applies_to_existing_sessions(stack):
    session = stack.initialize()
    status, _, body = call(stack, session, "calculus_simplify", {"expression": "x+x"})
    assert status == 200, body
    rewrite_and_reload(stack, lambda cfg: cfg["session"].update(ttlSeconds=2))
    time.sleep(2.5)
    status, _, body = stack.post({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}, stack.session_headers(session))
    assert status == 404, (status, body)
    # A new session gets the new lifetime too.
    fresh = stack.initialize()
    status, _, _ = stack.post({"jsonrpc": "2.0", "id": 4, "method": "tools/list"}, stack.session_headers(fresh))
    assert status == 200


def metric_count(stack, result):
    import re
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{stack.admin_port}/metrics", timeout=5) as r:
        m = re.search(r'^mcp_config_reloads_total\{result="%s"\} (\d+)' % result, r.read().decode(), re.M)
    return int(m.group(1)) if m else 0


def reload_now(stack, cfg, result="success", timeout=5.0):
    """Writes cfg, sends SIGHUP, and waits (polling fast) until the reload is counted under `result`."""
    import signal
    before = metric_count(stack, result)
    stack.config.write_text(json.dumps(cfg))
    stack.gateway.popen.send_signal(signal.SIGHUP)
    deadline = time.time() + timeout
    while metric_count(stack, result) <= before:
        assert time.time() < deadline, "reload not counted"
        time.sleep(0.002)


def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def test_a_thousand_reloads_leak_neither_descriptors_nor_memory(stack, tmp_path):
    """Every reload applies a change (a limit toggles; every tenth swaps the audit file, opening one and
    closing the other): after 1,000 of them the gateway holds the same descriptors and about the same memory."""
    pid = stack.gateway.popen.pid
    cfg = json.loads(stack.config.read_text())
    audit = [str(tmp_path / "audit-a.log"), str(tmp_path / "audit-b.log")]

    def variant(i):
        c = json.loads(json.dumps(cfg))
        c["limits"]["maxBodyBytes"] = 262144 + i % 2
        c["audit"]["destination"] = audit[(i // 10) % 2]
        return c

    for i in range(20):  # warm-up: allocator pools, the second audit file, metric series
        reload_now(stack, variant(i))
    fds, rss = len(os.listdir(f"/proc/{pid}/fd")), rss_kb(pid)
    for i in range(20, 1020):
        reload_now(stack, variant(i))
    after_fds, after_rss = len(os.listdir(f"/proc/{pid}/fd")), rss_kb(pid)
    assert after_fds <= fds + 2, (fds, after_fds)
    assert after_rss - rss < 8 * 1024, f"RSS grew {after_rss - rss} KiB over 1,000 reloads"
    # Still serving, with the last configuration.
    session = stack.initialize()
    status, _, body = call(stack, session, "calculus_differentiate", {"expression": "x**2", "variable": "x"})
    assert status == 200 and "result" in body, body


@pytest.mark.parametrize("field,edit", [
    ("session.secretFile", lambda cfg, d: ((d / "other-secret").write_text("another-secret-of-32-bytes-0123456789"),
                                           cfg["session"].update(secretFile=str(d / "other-secret")))),
    ("session.revocationsFile", lambda cfg, d: cfg["session"].update(revocationsFile=str(d / "revoked.log"))),
    ("sharedState", lambda cfg, d: cfg.update(sharedState={"redis": {"url": "redis://127.0.0.1:1"}})),
    ("auth", lambda cfg, d: ((d / "jwks.json").write_text('{"keys":[]}'),
                             cfg.update(auth={"jwt": {"issuer": "https://i", "audiences": ["a"], "jwksFile": str(d / "jwks.json")},
                                              "resource": "http://127.0.0.1/mcp"}))),
])
def test_a_change_that_needs_a_restart_is_refused_whole_naming_the_field(stack, tmp_path, field, edit):
    """Nothing half-applied: the servers edit made in the same file does not apply either, and the log names the field."""
    cfg = json.loads(stack.config.read_text())
    edit(cfg, tmp_path)
    cfg["servers"] = [s for s in cfg["servers"] if s["name"] != "physics"]
    reload_now(stack, cfg, result="failure")
    assert f"{field} changes need a restart" in stack.gateway.output()
    session = stack.initialize()
    status, _, body = stack.post({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, stack.session_headers(session))
    assert any(t["name"].startswith("physics_") for t in body["result"]["tools"]), "the refused file was applied in part"
