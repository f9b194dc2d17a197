"""Graceful degradation (`catalog.staleSeconds`) and the admin endpoint `/servers`, end to end: a
server killed keeps its last good entries listed, marked stale in `_meta`, for staleSeconds (calls to
it get an error naming it), then they leave, then they return when it does. Real Envoy, the example
servers on the official SDK, the SDK client in both eras."""
import json
import time
import urllib.request

import anyio
import pytest
from mcp import Client

from federation_stack import ExampleServer, FederatedStack

STALE = "mcp-gateway/stale"
STALE_SECONDS = 6


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def stack(tmp_path):
    s = FederatedStack(tmp_path, config_overrides={
        "catalog": {"refreshSeconds": 1, "failureThreshold": 2, "staleSeconds": STALE_SECONDS}})
    yield s
    s.stop()


def servers(stack):
    with urllib.request.urlopen(f"http://127.0.0.1:{stack.admin_port}/servers", timeout=5) as r:
        assert r.headers["content-type"] == "application/json"
        return {s["name"]: s for s in json.load(r)["servers"]}


def readyz(stack):
    with urllib.request.urlopen(f"http://127.0.0.1:{stack.admin_port}/readyz", timeout=5) as r:
        return r.status, r.read().decode().strip()


def wait_for_state(stack, name, state, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        seen = servers(stack)[name]
        if seen["state"] == state:
            return seen
        time.sleep(0.2)
    raise AssertionError(f"{name} never reached {state}: {seen}")


async def listed_tools(url, mode):
    async with Client(url, mode=mode) as client:
        return {t.name: t for t in (await client.list_tools()).tools}


@pytest.mark.anyio
async def test_a_failing_server_stays_listed_marked_stale_then_leaves_then_returns(stack, tmp_path):
    up = servers(stack)
    assert up["physics"]["state"] == "up" and up["physics"]["tools"] > 0 and up["physics"]["lastError"] is None
    assert up["calculus"]["eras"] == ["handshake", "2026-07-28"]
    # Control: what the server itself lists (minus the tool the stack's config denies).
    direct = [n for n in await listed_tools(f"{stack.physics.base}/mcp", "legacy") if n != "admin_remove_tool"]
    before = await listed_tools(stack.url, "legacy")
    assert all(f"physics_{n}" in before for n in direct)
    assert all(not (t.meta or {}).get(STALE) for t in before.values())

    port = stack.physics.port
    stack.physics.stop()
    stale = wait_for_state(stack, "physics", "stale")
    killed_at = time.time()
    assert stale["consecutiveFailures"] >= 2 and stale["lastError"] and stale["tools"] == up["physics"]["tools"]
    assert stale["staleUntilUnixSeconds"] - stale["staleSinceUnixSeconds"] == STALE_SECONDS
    assert stack.metric_value("mcp_upstream_stale", server="physics") == 1
    assert stack.metric_value("mcp_upstream_up", server="physics") == 0
    status, detail = readyz(stack)
    assert status == 200 and "stale: physics" in detail, detail

    for mode in ("legacy", "2026-07-28"):
        with anyio.fail_after(15):
            listed = await listed_tools(stack.url, mode)
        # The last good entries, with the marker; the healthy server's are unmarked.
        for name in direct:
            marker = (listed[f"physics_{name}"].meta or {}).get(STALE)
            assert marker and marker["server"] == "physics", (mode, name, listed[f"physics_{name}"].meta)
            assert listed[f"physics_{name}"].input_schema == before[f"physics_{name}"].input_schema
        assert not (listed["calculus_differentiate"].meta or {}).get(STALE)

    # A call to it is refused at once with an error naming the server; the others work.
    session = stack.initialize()
    status, _, body = stack.post({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {
        "name": "physics_kinetic_energy", "arguments": {"mass": 2, "velocity": 3}}}, stack.session_headers(session))
    assert "error" in body and "physics" in body["error"]["message"], body
    status, _, body = stack.post({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {
        "name": "calculus_differentiate", "arguments": {"expression": "x**2"}}}, stack.session_headers(session))
    assert status == 200 and "2*x" in json.dumps(body)

    # After staleSeconds the entries leave.
    down = wait_for_state(stack, "physics", "down", timeout=STALE_SECONDS + 10)
    assert time.time() - killed_at >= STALE_SECONDS - 2  # not before its time (the stale state was seen ~1 s late at most)
    assert down["tools"] == 0
    stack.wait_for_tools(["physics_solve"], present=False)
    assert stack.metric_value("mcp_upstream_stale", server="physics") == 0

    # It returns on the same port: up again, unmarked.
    stack.physics = ExampleServer("physics2", "physics.py", tmp_path, port=port, extra=["--enable-dynamic-tools"])
    back = wait_for_state(stack, "physics", "up")
    assert back["consecutiveFailures"] == 0 and back["lastSuccessUnixSeconds"] >= back["lastFailureUnixSeconds"]
    listed = await listed_tools(stack.url, "legacy")
    assert all(not (listed[f"physics_{n}"].meta or {}).get(STALE) for n in direct)
    assert readyz(stack) == (200, "ready")


@pytest.mark.anyio
async def test_lists_come_in_one_order_on_every_replica_and_restart(tmp_path):
    stack = FederatedStack(tmp_path, replicas=2)
    try:
        orders = []
        for _ in range(4):  # Envoy spreads the lists over both replicas
            orders.append(list(await listed_tools(stack.url, "legacy")))
        stack.gateway.stop()
        stack.start_gateway()
        stack.wait_for_tools(["calculus_differentiate", "physics_solve"])
        orders.append(list(await listed_tools(stack.url, "legacy")))
        assert all(o == orders[0] for o in orders), orders
        # Servers in config order, each one's tools by name.
        calculus = [n for n in orders[0] if n.startswith("calculus_")]
        assert calculus == sorted(calculus) and orders[0].index(calculus[-1]) < orders[0].index("physics_solve")
    finally:
        stack.stop()
