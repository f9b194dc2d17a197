"""Replicas sharing state through a real redis-server (sharedState.redis): two gateway processes
behind one Envoy count one rate limit, honour each other's DELETEs and use one backend session per
(client session, server) on a stateful server; with Redis gone they keep serving on local limits
and per-replica sessions, and pick the shared ones up again when it returns."""
import json
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request

import mcp_types as types
import pytest
from mcp import Client

from federation_stack import FederatedStack, ScriptServer
from harness import Proc, free_port, gateway_binary, wait_for_http

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
    alpha = ScriptServer("alpha", "transparency_server.py", d)  # stateful: per-session `tally`
    (d / "redis-password").write_text(PASSWORD + "\n")
    stack = FederatedStack(d, replicas=2, extra_servers=[{"name": "alpha", "url": alpha.url, "timeoutSeconds": 10}], config_overrides={
        "rateLimits": [{"calls": 10, "perSeconds": 60, "key": "identity_tool",
                        "tools": ["calculus_simplify", "calculus_differentiate"]}],
        "sharedState": {"redis": {"url": f"redis://127.0.0.1:{redis.port}/0", "passwordFile": str(d / "redis-password"),
                                  "keyPrefix": "gwtest:", "timeoutMs": 100, "revocationPollMs": POLL_MS}},
    })
    stack.redis = redis
    stack.alpha = alpha
    stack.wait_for_tools(["alpha_tally"])
    yield stack
    stack.stop()
    stack.redis.stop()
    alpha.stop()


@pytest.fixture
def anyio_backend():
    return "asyncio"


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


def shared_sessions(port, outcome):
    return metric(port, 'mcp_shared_backend_sessions_total{outcome="%s"}' % outcome)


def redis_keys(stack, pattern):
    reply = stack.redis.command("KEYS", pattern).split(b"\r\n")
    return sorted(k.decode() for k in reply[2::2] if k)


async def tallies(url, tool, calls):
    """One SDK client session calling the stateful tool `calls` times: what the server saw each time."""
    async with Client(url, mode="legacy") as client:
        seen = []
        for _ in range(calls):
            result = await client.call_tool(tool, {})
            assert not result.is_error, result
            seen.append(json.loads("".join(b.text for b in result.content if isinstance(b, types.TextContent))))
        return seen


@pytest.mark.anyio
@pytest.mark.parametrize("via", ["direct", "gateway"])
async def test_a_client_alternating_replicas_meets_one_backend_session(shared, via):
    """Control: the client straight to the server sees one session counting 1..8. Through Envoy
    with calls alternating between the two replicas, it must see the same: one replica creates
    the backend session and records it, the other adopts it (no second initialize)."""
    outcomes = ("created", "adopted", "lost_race", "local")
    before = {o: sum(shared_sessions(p, o) for p in admin_ports(shared)) for o in outcomes}
    url, tool = (shared.alpha.url, "tally") if via == "direct" else (shared.url, "alpha_tally")
    seen = await tallies(url, tool, 8)
    assert [s["count"] for s in seen] == list(range(1, 9)), seen
    assert len({s["session"] for s in seen}) == 1 and seen[0]["session"], seen
    if via == "gateway":
        after = {o: sum(shared_sessions(p, o) for p in admin_ports(shared)) for o in outcomes}
        delta = {o: after[o] - before[o] for o in outcomes}
        # Both replicas served the client: one created the session, the other adopted it.
        assert delta == {"created": 1, "adopted": 1, "lost_race": 0, "local": 0}, delta
        # The SDK client DELETEs its session on exit: the shared record goes with it.
        wait_until(lambda: redis_keys(shared, "gwtest:bs:*:alpha") == [])


def test_redis_killed_mid_load(shared):
    """Calls in flight (new client sessions too, so backend-session lookups) while redis-server is
    SIGKILLed and restarted: every call answers, none waits long; after the restart sessions are
    shared again."""
    stop, results, lock = threading.Event(), [], threading.Lock()

    def worker(n):
        while not stop.is_set():
            s = shared.initialize()
            for i in range(4):
                t0 = time.time()
                status, _, body = shared.post({"jsonrpc": "2.0", "id": i, "method": "tools/call",
                                               "params": {"name": "alpha_tally", "arguments": {}}}, shared.session_headers(s))
                ok = status == 200 and "result" in (body or {}) and not body["result"].get("isError")
                with lock:
                    results.append((ok, time.time() - t0, status, body if not ok else None))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        port = shared.redis.port
        shared.redis.stop(sig=signal.SIGKILL)
        in_outage = len(results)
        time.sleep(1.5)
        shared.redis = RedisServer(shared.log_dir, port=port, name="redis3")
        wait_until(lambda: all(metric(p, "mcp_shared_state_up") == 1 for p in admin_ports(shared)), timeout=5)
        after_restart = len(results)
        time.sleep(1.0)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=20)
    failed = [r for r in results if not r[0]]
    assert not failed, failed[:3]
    assert in_outage > 5 and after_restart > in_outage and len(results) > after_restart, (in_outage, after_restart, len(results))
    assert max(r[1] for r in results) < 3, max(r[1] for r in results)
    assert sum(shared_sessions(p, "local") for p in admin_ports(shared)) >= 1  # the outage was met: per-replica sessions
    before = sum(shared_sessions(p, "adopted") for p in admin_ports(shared))
    s = shared.initialize()
    for i in range(4):
        assert shared.post({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {"name": "alpha_tally", "arguments": {}}},
                           shared.session_headers(s))[0] == 200
    assert sum(shared_sessions(p, "adopted") for p in admin_ports(shared)) > before  # shared again


def make_ca_and_cert(d, name):
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it (openssl CLI)."""
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={name} test CA",
        "-keyout", str(d / f"{name}-ca.key"), "-out", str(d / f"{name}-ca.crt"))
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", str(d / f"{name}.key"), "-out", str(d / f"{name}.csr"))
    (d / f"{name}.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", str(d / f"{name}.csr"), "-CA", str(d / f"{name}-ca.crt"), "-CAkey", str(d / f"{name}-ca.key"),
        "-CAcreateserial", "-days", "1", "-extfile", str(d / f"{name}.ext"), "-out", str(d / f"{name}.crt"))
    return d / f"{name}-ca.crt", d / f"{name}.crt", d / f"{name}.key"


def test_rediss_verifies_the_server_and_shares_over_tls(tmp_path):
    """`rediss://` against a real redis-server listening with TLS only: the gateway verifies its
    certificate against the configured CA and shares rate limits through it; a gateway trusting
    another CA refuses the server (shared state down, requests still served)."""
    ca, cert, key = make_ca_and_cert(tmp_path, "redis")
    other_ca, _, _ = make_ca_and_cert(tmp_path, "other")
    port = free_port()
    redis = Proc("redis-tls", ["redis-server", "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--requirepass", PASSWORD, "--tls-cert-file", str(cert),
                               "--tls-key-file", str(key), "--tls-ca-cert-file", str(ca), "--tls-auth-clients", "no"], tmp_path)
    cli = ["redis-cli", "--tls", "--cacert", str(ca), "-p", str(port), "--no-auth-warning", "-a", PASSWORD]
    wait_until(lambda: subprocess.run([*cli, "PING"], capture_output=True, text=True).stdout.strip() == "PONG", timeout=10)
    (tmp_path / "redis-password").write_text(PASSWORD)

    def redis_config(ca_file):
        return {"rateLimits": [{"calls": 3, "perSeconds": 60, "key": "identity_tool", "tools": ["calculus_simplify"]}],
                "sharedState": {"redis": {"url": f"rediss://127.0.0.1:{port}/0", "passwordFile": str(tmp_path / "redis-password"),
                                          "keyPrefix": "tlstest:", "timeoutMs": 500, "tls": {"caFile": str(ca_file)}}}}
    stack = FederatedStack(tmp_path, config_overrides=redis_config(ca))
    try:
        s = stack.initialize()
        statuses = [call(stack, s, "calculus_simplify", i)[0] for i in range(5)]
        assert statuses == [200] * 3 + [429] * 2, statuses
        assert metric(stack.admin_port, "mcp_shared_state_up") == 1
        keys = subprocess.run([*cli, "KEYS", "tlstest:rl:*"], capture_output=True, text=True).stdout.split()
        assert len(keys) == 1, keys  # the bucket lives in the TLS redis-server

        # The same config trusting another CA: the handshake fails, the replica counts locally.
        (tmp_path / "other.json").write_text(json.dumps({**json.loads(stack.config.read_text()), **redis_config(other_ca)}))
        admin = free_port()
        wrong = Proc("gateway-wrong-ca", [str(gateway_binary()), "--config", str(tmp_path / "other.json"), "--grpc-listen",
                                          f"127.0.0.1:{free_port()}", "--admin-listen", f"127.0.0.1:{admin}", "--threads", "1"], tmp_path)
        try:
            wait_for_http(f"http://127.0.0.1:{admin}/healthz")
            wait_until(lambda: "certificate verify failed" in wrong.log_path.read_text(), timeout=10)
            assert metric(admin, "mcp_shared_state_up") == 0
            assert PASSWORD not in wrong.log_path.read_text()
        finally:
            wrong.stop()
    finally:
        stack.stop()
        redis.stop()
