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
