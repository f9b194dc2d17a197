"""End to end: the official MCP SDK client -> stock Envoy 1.40 -> gateway -> real MCP servers."""
import json
import time
import urllib.request
import uuid

import anyio
import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import ToolsListChanged

from federation_stack import FederatedStack

CALCULUS = ["differentiate", "integrate", "limit", "series", "solve", "simplify", "evaluate", "critical_points"]
MODES = ["legacy", "auto"]
EXPECTED_VERSION = {"legacy": "2025-11-25", "auto": "2026-07-28"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = FederatedStack(tmp_path_factory.mktemp("federation"))
    yield s
    s.stop()


@pytest.fixture
def anyio_backend():
    return "asyncio"


def text_of(result):
    return "\n".join(b.text for b in result.content if isinstance(b, types.TextContent))


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_sdk_client_sees_one_merged_prefixed_catalog(stack, mode):
    with anyio.fail_after(30):
        async with Client(stack.url, mode=mode) as client:
            assert client.protocol_version == EXPECTED_VERSION[mode]
            assert client.server_info is not None and client.server_info.name == "mcp-gateway"
            names = [t.name for t in (await client.list_tools()).tools]
            # Each server's tools by name (one order on every replica, whatever order the server lists)
            assert [n for n in names if n.startswith("calculus_")] == sorted(f"calculus_{t}" for t in CALCULUS)
            # both servers have `solve`: the prefixes keep them apart
            assert "calculus_solve" in names and "physics_solve" in names
            # the config deny-lists this one: never listed, never callable
            assert "physics_admin_add_tool" in names and "physics_admin_remove_tool" not in names
            with pytest.raises(MCPError) as err:
                await client.call_tool("physics_admin_remove_tool", {"name": "x"})
            assert err.value.error.code == -32602


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_calls_land_on_the_right_server_with_the_right_arguments(stack, mode):
    with anyio.fail_after(30):
        async with Client(stack.url, mode=mode) as client:
            d = await client.call_tool("calculus_differentiate", {"expression": "x**3 + 2*x"})
            assert d.is_error is False and "3*x**2 + 2" in text_of(d)
            i = await client.call_tool("calculus_integrate", {"expression": "x**2", "lower": 0, "upper": 3})
            assert i.structured_content["result"] == "9"
            p = await client.call_tool("physics_solve", {"find": "final_velocity", "initial_velocity": 0,
                                                         "acceleration": 2, "time": 3})
            assert p.is_error is False, text_of(p)
            assert "6" in text_of(p)
            s = await client.call_tool("calculus_solve", {"equation": "x**2 - 4 = 0"})
            assert sorted(s.structured_content["solutions"]) == ["-2", "2"]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_prompts_and_resources_are_federated(stack, mode):
    with anyio.fail_after(30):
        async with Client(stack.url, mode=mode) as client:
            prompts = {p.name for p in (await client.list_prompts()).prompts}
            assert "calculus_explain_derivative" in prompts and "physics_explain_kinematics" in prompts
            got = await client.get_prompt("calculus_explain_derivative", {"expression": "x*sin(x)"})
            assert "x*sin(x)" in got.messages[0].content.text
            uris = {str(r.uri) for r in (await client.list_resources()).resources}
            assert "calculus+calculus://identities" in uris and "physics+physics://constants" in uris
            templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
            assert "calculus+calculus://formula/{name}" in templates
            ident = await client.read_resource("calculus+calculus://identities")
            assert "chain_rule" in ident.contents[0].text
            chain = await client.read_resource("calculus+calculus://formula/chain_rule")
            assert "f'(g(x))" in chain.contents[0].text


def test_raw_session_flow_and_isolation(stack):
    a, b = stack.initialize(), stack.initialize()
    assert a != b and a.startswith("g2.")
    # each session works on its own
    for s in (a, b):
        status, hdrs, body = stack.post({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {
            "name": "calculus_simplify", "arguments": {"expression": "sin(x)**2 + cos(x)**2"}}}, stack.session_headers(s))
        assert status == 200 and body["result"]["structuredContent"]["result"] == "1"
        assert hdrs["mcp-session-id"] == s  # the backend's own session id never reaches the client
    # ids echo back byte for byte, whatever their type
    for raw_id in ['"abc"', "7", "1.50", '"\\u00e9"']:
        body = b'{"jsonrpc":"2.0","id":' + raw_id.encode() + b',"method":"ping"}'
        status, _, text = stack.post(body, stack.session_headers(a), raw=True)
        assert status == 200 and text == '{"jsonrpc":"2.0","id":' + raw_id + ',"result":{}}'


def test_bad_input_gets_the_right_answer(stack):
    s = stack.initialize()
    h = stack.session_headers(s)
    status, _, body = stack.post(b'{"jsonrpc":"2.0","id":1,"method":', h)
    assert status == 400 and body["error"]["code"] == -32700 and body["id"] is None
    status, _, body = stack.post({"id": 1, "method": "tools/list"}, h)
    assert status == 400 and body["error"]["code"] == -32600
    status, _, body = stack.post({"jsonrpc": "2.0", "id": 3, "method": "no/such_method"}, h)
    assert status == 200 and body["error"]["code"] == -32601 and body["id"] == 3
    status, _, body = stack.post({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
                                  "params": {"name": "calculus_nope", "arguments": {}}}, h)
    assert status == 200 and body["error"]["code"] == -32602 and "calculus_nope" in body["error"]["message"]
    status, _, body = stack.post([{"jsonrpc": "2.0", "id": 5, "method": "ping"}], h)
    assert status == 400 and body["error"]["code"] == -32600 and "batch" in body["error"]["message"]
    # Without a session: lists are answered (plain clients, the walk-through's curl); what needs a
    # session (here: an unknown method, which would need a session to be judged) is a 400.
    status, _, body = stack.post({"jsonrpc": "2.0", "id": 6, "method": "tools/list"})
    assert status == 200 and any(t["name"] == "calculus_differentiate" for t in body["result"]["tools"])
    status, _, body = stack.post({"jsonrpc": "2.0", "id": 6, "method": "tasks/list"})
    assert status == 400 and "Missing session" in body["error"]["message"]
    forged = s[:-3] + ("AAA" if not s.endswith("AAA") else "BBB")
    status, _, body = stack.post({"jsonrpc": "2.0", "id": 7, "method": "tools/list"}, stack.session_headers(forged))
    assert status == 404
    big = {"jsonrpc": "2.0", "id": 8, "method": "tools/call",
           "params": {"name": "calculus_simplify", "arguments": {"expression": "x" * 300_000}}}
    status, _, body = stack.post(big, h)
    assert status == 413 and body["error"]["code"] == -32600


def test_delete_ends_the_session(stack):
    s = stack.initialize()
    req = urllib.request.Request(stack.url, method="DELETE", headers=stack.session_headers(s))
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200
    status, _, _ = stack.post({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, stack.session_headers(s))
    assert status == 404


@pytest.mark.anyio
async def test_list_changed_reaches_listening_clients_of_both_eras(stack):
    tool = f"momentum_{uuid.uuid4().hex[:6]}"
    got_legacy = anyio.Event()

    async def handler(message):
        if isinstance(message, types.ToolListChangedNotification):
            got_legacy.set()

    with anyio.fail_after(40):
        async with (
            Client(stack.url, mode="legacy", message_handler=handler) as legacy,
            Client(stack.url, mode="auto") as modern,
            modern.listen(tools_list_changed=True) as sub,
        ):
            assert sub.honored.tools_list_changed is True
            await anyio.sleep(0.5)  # the SDK opens its GET stream in the background
            stack.add_physics_tool(tool, "p = m*v")
            await got_legacy.wait()
            async for event in sub:
                assert isinstance(event, ToolsListChanged)
                break
            for client in (legacy, modern):
                names = {t.name for t in (await client.list_tools()).tools}
                assert f"physics_{tool}" in names
                res = await client.call_tool(f"physics_{tool}", {"input": "2 kg at 3 m/s"})
                assert "p = m*v" in text_of(res)


# ---- faults: each on its own stack, since they kill things ----

@pytest.fixture
def own_stack(tmp_path):
    s = FederatedStack(tmp_path)
    yield s
    s.stop()


def call(stack, session, name, arguments, id=9):
    return stack.post({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": arguments}},
                      stack.session_headers(session))


def test_dead_server_degrades_only_its_own_tools_and_comes_back(own_stack, tmp_path):
    from federation_stack import ExampleServer
    s = own_stack.initialize()
    assert call(own_stack, s, "physics_kinetic_energy", {"mass": 2, "velocity": 3})[0] == 200
    port = own_stack.physics.port
    own_stack.physics.stop()
    # At once (before the catalog notices): Envoy cannot connect, the client gets an error naming the server.
    status, _, body = call(own_stack, s, "physics_kinetic_energy", {"mass": 2, "velocity": 3})
    assert "error" in body and "physics" in body["error"]["message"], body
    ok = call(own_stack, s, "calculus_differentiate", {"expression": "x**2"})
    assert ok[0] == 200 and "2*x" in json.dumps(ok[2])
    # After a few failed refreshes its tools leave the list; the others stay.
    names = own_stack.wait_for_tools(["physics_solve"], present=False)
    assert "calculus_differentiate" in names
    status, _, body = call(own_stack, s, "physics_solve", {"find": "time"})
    assert body["error"]["code"] == -32602
    # It returns on the same port: its tools come back without restarting anything.
    own_stack.physics = ExampleServer("physics2", "physics.py", tmp_path, port=port, extra=["--enable-dynamic-tools"])
    own_stack.wait_for_tools(["physics_solve"])
    status, _, body = call(own_stack, s, "physics_kinetic_energy", {"mass": 2, "velocity": 3})
    assert status == 200 and body["result"]["isError"] is False, body


def test_backend_session_lost_in_a_restart_is_renewed(own_stack, tmp_path):
    """Shipped configs (no ext_proc response phase): the server's own session id never reaches the
    client; a server restart the catalog monitor has not noticed yet costs at most the calls made
    before it (or Envoy's access log report of the 404) does, then the same client session works."""
    from federation_stack import ExampleServer
    s = own_stack.initialize()
    status, hdrs, _ = call(own_stack, s, "calculus_simplify", {"expression": "2*x - x"})
    assert status == 200 and hdrs["mcp-session-id"] == s, hdrs  # the route put the client's id back
    port = own_stack.calculus.port
    own_stack.calculus.stop()
    own_stack.calculus = ExampleServer("calculus2", "calculus.py", tmp_path, port=port)
    status, hdrs, body = call(own_stack, s, "calculus_simplify", {"expression": "2*x - x"})
    if status != 200:
        # The spec's answer for a session the server no longer knows, passed through.
        assert status == 404 and body["error"]["message"] == "Session not found", body
    deadline = time.time() + 10
    while True:
        status, hdrs, body = call(own_stack, s, "calculus_simplify", {"expression": "3*x - x"})
        if status == 200 or time.time() > deadline:
            break
        time.sleep(0.1)
    assert status == 200 and body["result"]["structuredContent"]["result"] == "2*x", body
    assert hdrs["mcp-session-id"] == s


def test_backend_session_expiry_is_recovered_transparently_with_response_phase(tmp_path):
    """With `response_header_mode: SEND` the gateway sees the server's 404 itself: it opens a new
    backend session and re-sends the call, so the client never notices."""
    from federation_stack import ExampleServer
    stack = FederatedStack(tmp_path, envoy_replace={"response_header_mode: SKIP": "response_header_mode: SEND"})
    try:
        s = stack.initialize()
        assert call(stack, s, "calculus_simplify", {"expression": "2*x - x"})[0] == 200
        # A restarted server has forgotten every session: it answers the old one with 404.
        port = stack.calculus.port
        stack.calculus.stop()
        stack.calculus = ExampleServer("calculus2", "calculus.py", tmp_path, port=port)
        status, hdrs, body = call(stack, s, "calculus_simplify", {"expression": "2*x - x"})
        assert status == 200 and body["result"]["structuredContent"]["result"] == "x", body
        assert hdrs["mcp-session-id"] == s
        # and the new backend session is used from then on
        status, hdrs, body = call(stack, s, "calculus_simplify", {"expression": "3*x - x"})
        assert status == 200 and body["result"]["structuredContent"]["result"] == "2*x"
        assert "x-mcp-session-recovered" not in hdrs
        # Counted once, by the response phase (Envoy's access log entry is marked as reported).
        time.sleep(0.5)
        assert stack.metric_value("mcp_tool_calls_total", server="calculus", tool="calculus_simplify", outcome="ok") == 3
    finally:
        stack.stop()


def test_gateway_restart_keeps_client_sessions(own_stack):
    s = own_stack.initialize()
    assert call(own_stack, s, "calculus_simplify", {"expression": "x + x"})[0] == 200
    own_stack.gateway.stop()
    own_stack.start_gateway()  # same ports, same session secret
    own_stack.wait_for_tools(["calculus_simplify"])
    status, _, body = call(own_stack, s, "calculus_simplify", {"expression": "x + x"})
    assert status == 200 and body["result"]["structuredContent"]["result"] == "2*x", body


def test_deleted_session_stays_ended_after_a_restart(tmp_path):
    """Regression (security review): revocations lived in memory while ids are signed with the persistent
    secret, so after a restart a DELETEd id worked again. With session.revocationsFile it stays refused (404);
    a session never deleted keeps working; expired lines are dropped when the file is compacted at start."""
    revoked = tmp_path / "revoked.log"
    stack = FederatedStack(tmp_path, config_overrides={"session": {"secretFile": str(tmp_path / "secret.txt"),
                                                                   "revocationsFile": str(revoked)}})
    try:
        ended, kept = stack.initialize(), stack.initialize()
        req = urllib.request.Request(stack.url, method="DELETE", headers=stack.session_headers(ended))
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200
        with revoked.open("a") as f:
            f.write("00112233445566778899aabbccddeeff 1000\n")  # long expired: compacted away at start
        stack.gateway.stop()
        stack.start_gateway()  # same ports, same secret, same revocations file
        stack.wait_for_tools(["calculus_simplify"])
        status, _, _ = stack.post({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, stack.session_headers(ended))
        assert status == 404
        status, _, body = call(stack, kept, "calculus_simplify", {"expression": "x + x"})
        assert status == 200 and body["result"]["structuredContent"]["result"] == "2*x", body
        lines = [l for l in revoked.read_text().splitlines() if not l.startswith("#")]
        assert len(lines) == 1 and "00112233" not in lines[0]
    finally:
        stack.stop()


def test_gateway_down_fails_closed(own_stack):
    s = own_stack.initialize()
    own_stack.gateway.stop()
    status, _, _ = own_stack.post({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, own_stack.session_headers(s))
    assert status >= 500


def test_body_over_envoys_buffer_is_413_json(stack):
    s = stack.initialize()
    big = {"jsonrpc": "2.0", "id": 8, "method": "tools/call",
           "params": {"name": "calculus_simplify", "arguments": {"expression": "x" * 1_200_000}}}
    status, hdrs, body = stack.post(big, stack.session_headers(s))
    assert status == 413 and hdrs["content-type"].startswith("application/json")
    assert body["error"]["code"] == -32600 and body["id"] is None


def test_two_replicas_share_client_sessions(tmp_path):
    """Two gateway processes behind one Envoy cluster: requests alternate between them and the
    session issued by one is honoured by the other (same secret, self-contained ids)."""
    s2 = FederatedStack(tmp_path, replicas=2)
    try:
        s = s2.initialize()
        for i in range(1, 13):
            status, _, body = call(s2, s, "calculus_simplify", {"expression": f"{i}*x + x"}, id=i)
            assert status == 200 and body["result"]["structuredContent"]["result"] == f"{i + 1}*x", body

        def tool_calls(admin_port):
            with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/metrics", timeout=5) as r:
                for line in r.read().decode().splitlines():
                    if line.startswith('mcp_tool_calls_total{server="calculus",tool="calculus_simplify",outcome="ok"}'):
                        return int(line.split()[-1])
            return 0

        def forwarded(admin_port):
            with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/metrics", timeout=5) as r:
                for line in r.read().decode().splitlines():
                    if line.startswith('mcp_extproc_requests_total{handling="forwarded"}'):
                        return int(line.split()[-1])
            return 0

        ports = [s2.admin_port, s2.replicas[0].admin_port]
        routed = [forwarded(p) for p in ports]
        assert sum(routed) == 12 and min(routed) > 0, routed  # both replicas routed calls of one session
        # Outcomes arrive with Envoy's access log (batched, to whichever replica holds its stream).
        deadline = time.time() + 5
        while sum(tool_calls(p) for p in ports) < 12 and time.time() < deadline:
            time.sleep(0.05)
        assert sum(tool_calls(p) for p in ports) == 12
    finally:
        s2.stop()
