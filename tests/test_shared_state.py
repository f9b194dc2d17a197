"""Replicas sharing state through a real redis-server (sharedState.redis): two gateway processes
behind one Envoy count one rate limit and honour each other's DELETEs; with Redis gone they
keep serving on local limits, and pick the shared ones up again when it returns."""
import shutil
import signal
import socket
import time
import urllib.request

import pytest

from federation_stack import FederatedStack
from harness import Proc, free_port

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed (scripts/setup.sh)")

PASSWORD = "redis-test-password-0123"
POLL_MS = 100  # sharedState.redis.revocationPollMs: the window in which another replica may still accept a DELETEd session


class RedisServer(Proc):
    def __init__(self, log_dir, port=None, name="redis"):
        self.port = port or free_port()
        super().__init__(name, ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--requirepass", PASSWORD], log_dir)
        deadline = time.time() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as c:
                    c.sendall(f"AUTH {PASSWORD}\r\nPING\r\n".encode())
                    got = b""
                    while b"PONG" not in got:
                        chunk = c.recv(64)
                        if not chunk:
                            break
                        got += chunk
                    if b"PONG" in got:
                        return
            except OSError:
                pass
            if time.time() > deadline:
                raise AssertionError("redis-server did not start")
            time.sleep(0.05)

    def command(self, *args):
        """One command through a raw socket (RESP); returns the reply's bytes."""
        wire = b"".join(b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in ("AUTH", PASSWORD))
        cmd = b"".join(b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in args)
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as c:
            c.sendall(b"*2\r\n" + wire + b"*%d\r\n" % len(args) + cmd)
            time.sleep(0.05)
            reply = c.recv(65536)
            assert reply.startswith(b"+OK\r\n"), reply  # AUTH
            return reply[5:]


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    d = tmp_path_factory.mktemp("shared")
    redis = RedisServer(d)
    (d / "redis-password").write_text(PASSWORD + "\n")
    stack = FederatedStack(d, replicas=2, config_overrides={
        "rateLimits": [{"calls": 10, "perSeconds": 60, "key": "identity_tool",
                        "tools": ["calculus_simplify", "calculus_differentiate"]}],
        "sharedState": {"redis": {"url": f"redis://127.0.0.1:{redis.port}/0", "passwordFile": str(d / "redis-password"),
                                  "keyPrefix": "gwtest:", "timeoutMs": 100, "revocationPollMs": POLL_MS}},
    })
    stack.redis = redis
    yield stack
    stack.stop()
    stack.redis.stop()


def admin_ports(stack):
    return [stack.admin_port, stack.replicas[0].admin_port]


def metric(port, prefix):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(prefix):
                return float(line.split()[-1])
    return 0


def call(stack, session, tool, i):
    return stack.post({"jsonrpc": "2.0", "id": i, "method": "tools/call",
                       "params": {"name": tool, "arguments": {"expression": f"{i}*x + x"}}}, stack.session_headers(session))


def wait_until(check, timeout=5.0):
    deadline = time.time() + timeout
    while not check():
        assert time.time() < deadline, "condition not reached"
        time.sleep(0.05)


def test_one_limit_across_both_replicas(shared):
    s = shared.initialize()
    statuses, retry_after = [], []
    for i in range(14):
        status, headers, body = call(shared, s, "calculus_simplify", i)
        statuses.append(status)
        if status == 429:
            retry_after.append(int(headers["retry-after"]))
            assert body["error"]["code"] == -32000 and "Rate limit exceeded: 10" in body["error"]["message"], body
    assert statuses == [200] * 10 + [429] * 4, statuses
    assert all(1 <= r <= 6 for r in retry_after), retry_after  # 10 per 60 s: a token every 6 s
    # Both replicas refused some (requests alternate between them), and both count in Redis.
    limited = [metric(p, 'mcp_rate_limited_total{server="calculus"}') for p in admin_ports(shared)]
    assert min(limited) >= 1, limited
    assert all(metric(p, "mcp_shared_state_up") == 1 for p in admin_ports(shared))
    assert b"gwtest:rl:" in shared.redis.command("KEYS", "gwtest:rl:*")


def test_delete_on_one_replica_is_refused_on_the_other(shared):
    s = shared.initialize()
    req = urllib.request.Request(shared.url, method="DELETE", headers=shared.session_headers(s))
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200
    assert b"gwtest:revoked:" in shared.redis.command("KEYS", "gwtest:revoked:*")
    key = shared.redis.command("KEYS", "gwtest:revoked:*").split(b"\r\n")[2].decode()
    ttl = int(shared.redis.command("TTL", key)[1:].strip())
    assert 0 < ttl <= 86400  # the session's remaining lifetime (session.ttlSeconds, default 86400)
    time.sleep(3 * POLL_MS / 1000)  # the documented window: one poll interval (+ a round trip)
    for i in range(6):  # alternating replicas: every one of them refuses the ended session
        status, _, _ = shared.post({"jsonrpc": "2.0", "id": i, "method": "tools/list"}, shared.session_headers(s))
        assert status == 404, i


def test_redis_down_then_back(shared):
    s = shared.initialize()
    port = shared.redis.port
    shared.redis.stop(sig=signal.SIGKILL)
    t0 = time.time()
    statuses = [call(shared, s, "calculus_differentiate", i)[0] for i in range(8)]
    assert statuses == [200] * 8, statuses  # local fallback: 10 per replica, nothing refused or failed
    assert time.time() - t0 < 5
    wait_until(lambda: all(metric(p, "mcp_shared_state_up") == 0 for p in admin_ports(shared)))
    with urllib.request.urlopen(f"http://127.0.0.1:{shared.admin_port}/readyz", timeout=5) as r:
        assert r.status == 200 and "shared state unavailable" in r.read().decode()
    # A DELETE cannot be shared while Redis is down: refused (503), the session stays valid.
    other = shared.initialize()
    req = urllib.request.Request(shared.url, method="DELETE", headers=shared.session_headers(other))
    try:
        urllib.request.urlopen(req, timeout=10)
        assert False, "DELETE accepted without Redis"
    except urllib.error.HTTPError as e:
        assert e.code == 503

    shared.redis = RedisServer(shared.log_dir, port=port, name="redis2")
    wait_until(lambda: all(metric(p, "mcp_shared_state_up") == 1 for p in admin_ports(shared)), timeout=5)
    # The restarted Redis is empty: one fresh shared bucket of 10 for both replicas again.
    statuses = [call(shared, s, "calculus_differentiate", 100 + i)[0] for i in range(12)]
    assert statuses == [200] * 10 + [429] * 2, statuses
