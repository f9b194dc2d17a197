"""ext_proc's request body modes, end to end with the stock Envoy: the shipped STREAMED mode (headers and body
sent without waiting, the headers reply held until the body is complete: one round trip) and BUFFERED (the
headers reply first, then the whole body in one message), which the README documents as also supported.
Each mode runs the same MCP exchange with the official SDK client, compared with the same calls made directly
to the server, plus the bad-input answers and a token review in between (auth on)."""
import json
import urllib.request

import anyio
import pytest
from mcp import Client

from auth_fixtures import AUDIENCE, ISSUER, Keys
from federation_stack import FederatedStack

BUFFERED = {"request_body_mode: STREAMED": "request_body_mode: BUFFERED",
            "send_body_without_waiting_for_header_response: true": "send_body_without_waiting_for_header_response: false"}
# (name, Envoy text replacements, authentication on, ext_proc messages per forwarded HTTP/1.1 call each way)
MODES = [("streamed", {}, False, 3), ("buffered", BUFFERED, False, 2), ("buffered-auth", BUFFERED, True, 2)]


@pytest.fixture(scope="module", params=MODES, ids=[m[0] for m in MODES])
def env(tmp_path_factory, request):
    name, replace, auth, messages = request.param
    d = tmp_path_factory.mktemp(name)
    headers, overrides = {}, {}
    if auth:
        keys = Keys()
        (d / "jwks.json").write_text(json.dumps(keys.jwks()))
        overrides["auth"] = {"jwt": {"issuer": ISSUER, "audiences": [AUDIENCE], "jwksFile": str(d / "jwks.json")}}
        headers = {"authorization": f"Bearer {keys.token('alice')}"}
    stack = FederatedStack(d, config_overrides=overrides, auth=auth, envoy_replace=replace, default_headers=headers)
    stack.mode_headers, stack.messages = headers, messages
    yield stack
    stack.stop()


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def simplify(url, headers):
    import httpx2
    from mcp.client.streamable_http import streamable_http_client
    async with httpx2.AsyncClient(headers=headers) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            names = [t.name for t in (await client.list_tools()).tools]
            tool = "calculus_simplify" if "calculus_simplify" in names else "simplify"
            result = await client.call_tool(tool, {"expression": "sin(x)**2 + cos(x)**2"})
            return result.structured_content, len(names)


@pytest.mark.anyio
async def test_sdk_exchange_matches_the_direct_path(env):
    with anyio.fail_after(30):
        direct, direct_tools = await simplify(f"{env.calculus.base}/mcp", {})
        through, federated_tools = await simplify(env.url, env.mode_headers)
    assert direct == through and direct["result"] == "1"
    assert federated_tools > direct_tools  # both servers' tools, merged


def test_forwarded_call_costs_the_expected_ext_proc_messages(env):
    """Proves the mode is in effect: Envoy's own counters of ext_proc messages for one forwarded call."""
    s = env.initialize()
    stat = lambda k: env.envoy.stat(f"http.mcp.ext_proc.stream_msgs_{k}")
    sent, received = stat("sent"), stat("received")
    status, _, body = env.post({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
        "name": "calculus_simplify", "arguments": {"expression": "x+x"}}}, env.session_headers(s))
    assert status == 200 and body["result"]["structuredContent"]["result"] == "2*x"
    assert (stat("sent") - sent, stat("received") - received) == (env.messages, env.messages)


def test_bad_input_is_answered_in_every_mode(env):
    s = env.initialize()
    h = env.session_headers(s)
    status, _, body = env.post(b'{"jsonrpc":"2.0","id":1,"method":', h)
    assert status == 400 and body["error"]["code"] == -32700
    big = {"jsonrpc": "2.0", "id": 8, "method": "tools/call",
           "params": {"name": "calculus_simplify", "arguments": {"expression": "x" * 300_000}}}
    status, _, body = env.post(big, h)
    assert status == 413 and body["error"]["code"] == -32600
    req = urllib.request.Request(env.url, data=b"", method="POST",
                                 headers={"content-type": "application/json", **env.mode_headers, **h})
    try:
        urllib.request.urlopen(req, timeout=10)
        raise AssertionError("an empty POST was accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 400 and json.loads(e.read())["error"]["code"] == -32700


def test_a_request_without_a_token_is_judged_before_its_body(env):
    """With auth on, no token → 401 from the headers message (the body is never routed); with auth off the
    same request is answered (the control)."""
    req = urllib.request.Request(env.url, data=b'{"jsonrpc":"2.0","id":1,"method":"ping"}', method="POST",
                                 headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            assert not env.mode_headers, "allowed without a token"
            assert r.status == 200 and json.loads(r.read()) == {"jsonrpc": "2.0", "id": 1, "result": {}}
    except urllib.error.HTTPError as e:
        assert env.mode_headers, f"refused with auth off: {e.code}"
        assert e.code == 401 and e.headers["www-authenticate"].startswith("Bearer")
