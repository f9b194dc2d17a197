"""The bridge, 2026-07-28 client -> handshake-era server: a strict 2026-07-28 SDK client
(`Client(url, mode="2026-07-28")`; `auto` would fall back to initialize and prove nothing) reaches
every feature of a server that speaks only the handshake era (tests/transparency_server.py
`--era handshake`, pinned by tests/era_pinning.py: it answers 2026-07-28 requests with -32022).

The pair shares no era, so the direct-to-server control of each feature is the same feature with a
`legacy` SDK client directly against the server; both must have the same effect (the elicited answer
in the tool result, the same progress steps, the same log messages, ...).
"""
import json
import time
import urllib.request

import anyio
import httpx
import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from federation_stack import FederatedStack, ScriptServer, parse_body

pytestmark = pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")

MODERN = "2026-07-28"
SERVER = "old"
WAIT_SECONDS = 2  # limits.bridgedCallWaitSeconds in this stack
ROOTS = ["file:///work/project-a", "file:///work/project-b"]
CLIENT_INFO = types.Implementation(name="bridge-test", version="3.1.4")
TEST_TIMEOUT = 12
VIAS = ["direct", "gateway"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("bridge")
    server = ScriptServer(SERVER, "transparency_server.py", log_dir, "--era", "handshake")
    s = None
    try:
        s = FederatedStack(log_dir, extra_servers=[{"name": SERVER, "url": server.url, "timeoutSeconds": 10}],
                           config_overrides={"limits": {"maxBodyBytes": 262144, "bridgedCallWaitSeconds": WAIT_SECONDS,
                                                        "maxBridgedCalls": 8}})
        s.wait_for_tools([f"{SERVER}_whoami"])
        s.server = server
        yield s
    finally:
        if s is not None:
            s.stop()
        server.stop()


@pytest.fixture
def anyio_backend():
    return "asyncio"


class Recorder:
    """SDK client callbacks that record what arrived."""

    def __init__(self):
        self.logs, self.progress, self.asked = [], [], []

    async def elicit(self, context, params):
        self.asked.append("elicitation")
        return types.ElicitResult(action="accept", content={"name": "Ada"})

    async def sample(self, context, params):
        self.asked.append("sampling")
        prompt = params.messages[0].content.text
        return types.CreateMessageResult(role="assistant", model="test-model", stop_reason="endTurn",
                                         content=types.TextContent(type="text", text=f"answer to {prompt}"))

    async def roots(self, context):
        self.asked.append("roots")
        return types.ListRootsResult(roots=[types.Root(uri=u) for u in ROOTS])

    async def log(self, params):
        self.logs.append((params.level, params.data))

    async def on_progress(self, progress, total, message):
        self.progress.append((progress, total, message))


def client(stack, via, recorder=None, **extra):
    """`direct`: a legacy client against the handshake-only server; `gateway`: a strict 2026-07-28
    client through Envoy + gateway. Callbacks for everything the server may ask."""
    r = recorder or Recorder()
    kwargs = dict(client_info=CLIENT_INFO, elicitation_callback=r.elicit, sampling_callback=r.sample,
                  list_roots_callback=r.roots, logging_callback=r.log, **extra)
    if via == "direct":
        return Client(stack.server.url, mode="legacy", **kwargs)
    return Client(stack.url, mode=MODERN, **kwargs)


def name(via, tool):
    return tool if via == "direct" else f"{SERVER}_{tool}"


def text(result):
    assert not result.is_error, result
    return result.content[0].text


async def call(stack, via, tool, args=None, recorder=None, **extra):
    async with client(stack, via, recorder, **extra) as c:
        assert c.protocol_version == (MODERN if via == "gateway" else "2025-11-25"), c.protocol_version
        return await c.call_tool(name(via, tool), args or {})


def modern_post(stack, body, method, name_header=None):
    """A raw 2026-07-28 POST through the gateway; returns (status, parsed JSON-RPC reply)."""
    headers = {"content-type": "application/json", "accept": "application/json, text/event-stream",
               "mcp-protocol-version": MODERN, "mcp-method": method}
    if name_header:
        headers["mcp-name"] = name_header
    r = httpx.post(stack.url, json=body, headers=headers, timeout=15)
    return r.status_code, parse_body(r.text, r.headers.get("content-type", ""))


def envelope(capabilities=None):
    return {"io.modelcontextprotocol/protocolVersion": MODERN,
            "io.modelcontextprotocol/clientCapabilities": capabilities if capabilities is not None else {"elicitation": {"form": {}}},
            "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "1"}}


# ------------------------------------------------------------------------------------------------
# lists and calls


@pytest.mark.anyio
async def test_lists_name_the_same_tools(stack):
    with anyio.fail_after(TEST_TIMEOUT):
        async with client(stack, "direct") as c:
            direct = sorted(t.name for t in (await c.list_tools()).tools)
        async with client(stack, "gateway") as c:
            via = sorted(t.name[len(SERVER) + 1:] for t in (await c.list_tools()).tools if t.name.startswith(SERVER + "_"))
    assert direct == via and "ask_name" in via, (direct, via)
    # The 2026-07-28 list carries the cache hints its revision requires.
    status, reply = modern_post(stack, {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": envelope()}},
                                "tools/list")
    assert status == 200 and reply["result"]["resultType"] == "complete", reply
    assert reply["result"]["ttlMs"] == 0 and reply["result"]["cacheScope"] == "private", reply


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_the_server_sees_the_clients_info_and_capabilities(stack, via):
    """The 2026-07-28 envelope becomes the backend `initialize`: the server sees the client's own
    clientInfo and capabilities, as it does from a legacy client."""
    with anyio.fail_after(TEST_TIMEOUT):
        seen = json.loads(text(await call(stack, via, "whoami")))
    assert seen["clientInfo"]["name"] == CLIENT_INFO.name and seen["clientInfo"]["version"] == CLIENT_INFO.version, seen
    assert {"elicitation", "sampling", "roots"} <= set(seen["capabilities"]), seen
    assert seen["protocolVersion"] == "2025-11-25", seen


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_structured_output(stack, via):
    with anyio.fail_after(TEST_TIMEOUT):
        result = await call(stack, via, "weather", {"city": "Oslo"})
    assert not result.is_error and result.structured_content == {"city": f"{SERVER}:Oslo", "celsius": 21.5}, result


def test_the_result_is_a_2026_result(stack):
    status, reply = modern_post(stack, {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
        "name": f"{SERVER}_weather", "arguments": {"city": "Rome"}, "_meta": envelope()}}, "tools/call", f"{SERVER}_weather")
    assert status == 200 and reply["id"] == 7, reply
    assert reply["result"]["resultType"] == "complete" and reply["result"]["structuredContent"]["city"] == f"{SERVER}:Rome", reply


# ------------------------------------------------------------------------------------------------
# server -> client requests: input_required round trips through the gateway


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("tool,args,expected,asked", [
    ("ask_name", {}, f"{SERVER}: hello Ada", "elicitation"),
    ("ask_model", {"prompt": "two plus two"}, f"{SERVER}: model said answer to two plus two", "sampling"),
    ("show_roots", {}, f"{SERVER}: roots " + json.dumps(ROOTS), "roots"),
])
async def test_server_requests_during_a_call(stack, via, tool, args, expected, asked):
    recorder = Recorder()
    with anyio.fail_after(TEST_TIMEOUT):
        result = await call(stack, via, tool, args, recorder)
    assert text(result) == expected and recorder.asked == [asked], (result, recorder.asked)


def test_input_required_on_the_wire(stack):
    """Round 1 is an InputRequiredResult with a sealed requestState; the retry (new id, same call,
    inputResponses + requestState) gets the call's result; the same state again is refused."""
    call_params = {"name": f"{SERVER}_ask_name", "arguments": {}, "_meta": envelope()}
    status, first = modern_post(stack, {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": call_params},
                                "tools/call", f"{SERVER}_ask_name")
    result = first["result"]
    assert status == 200 and result["resultType"] == "input_required", first
    [(key, request)] = result["inputRequests"].items()
    assert request["method"] == "elicitation/create" and request["params"]["message"] == f"{SERVER}: what is your name?", request
    state = result["requestState"]
    retry = {**call_params, "inputResponses": {key: {"action": "accept", "content": {"name": "Grace"}}}, "requestState": state}
    status, second = modern_post(stack, {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": retry},
                                 "tools/call", f"{SERVER}_ask_name")
    assert second["id"] == 2 and second["result"]["resultType"] == "complete", second
    assert second["result"]["content"][0]["text"] == f"{SERVER}: hello Grace", second
    _, again = modern_post(stack, {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": retry},
                           "tools/call", f"{SERVER}_ask_name")
    assert again["error"]["code"] == -32602 and "requestState" in again["error"]["message"], again
    # A state altered, or presented for another tool, opens nothing.
    tampered = state[:-3] + ("AAA" if not state.endswith("AAA") else "BBB")
    _, forged = modern_post(stack, {"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {**retry, "requestState": tampered}},
                            "tools/call", f"{SERVER}_ask_name")
    assert forged["error"]["code"] == -32602, forged
    other = {**retry, "name": f"{SERVER}_ask_model", "arguments": {"prompt": "x"}}
    _, moved = modern_post(stack, {"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": other},
                           "tools/call", f"{SERVER}_ask_model")
    assert moved["error"]["code"] == -32602, moved


# ------------------------------------------------------------------------------------------------
# progress, logging, cancellation


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_progress(stack, via):
    recorder = Recorder()
    with anyio.fail_after(TEST_TIMEOUT):
        async with client(stack, via, recorder) as c:
            result = await c.call_tool(name(via, "count_progress"), {"steps": 3}, progress_callback=recorder.on_progress)
    assert text(result) == f"{SERVER}: counted 3", result
    assert recorder.progress == [(i, 3, f"{SERVER} step {i}") for i in (1, 2, 3)], recorder.progress


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_logging_at_the_clients_level(stack, via):
    """A 2026-07-28 client asks per request (`_meta` logLevel); the legacy control sets the level on
    its session. Either way only warning and error arrive."""
    recorder = Recorder()
    with anyio.fail_after(TEST_TIMEOUT):
        if via == "direct":
            async with client(stack, via, recorder) as c:
                await c.set_logging_level("warning")
                result = await c.call_tool("emit_logs", {})
        else:
            async with client(stack, via, recorder, log_level="warning") as c:
                result = await c.call_tool(name(via, "emit_logs"), {})
    assert text(result).startswith(f"{SERVER}: sent"), result
    assert [level for level, _ in recorder.logs] == ["warning", "error"], recorder.logs
    assert recorder.logs[0][1] == f"{SERVER}: warning message", recorder.logs


@pytest.mark.anyio
async def test_a_2026_client_without_a_log_level_gets_no_log_messages(stack):
    recorder = Recorder()
    with anyio.fail_after(TEST_TIMEOUT):
        async with client(stack, "gateway", recorder) as c:
            await c.call_tool(name("gateway", "emit_logs"), {})
    assert recorder.logs == [], recorder.logs


async def slow_counts(stack, **args):
    async with client(stack, "direct") as c:
        return json.loads(text(await c.call_tool("cancelled_calls", args)))


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_cancellation_reaches_the_server(stack, via):
    """Cancelling the awaiting scope: the legacy client sends notifications/cancelled, the 2026-07-28
    client closes the call's stream; the gateway turns that into notifications/cancelled."""
    with anyio.fail_after(TEST_TIMEOUT):
        before = await slow_counts(stack)
        async with client(stack, via) as c:
            with anyio.CancelScope() as scope:
                async with anyio.create_task_group() as tg:
                    tg.start_soon(c.call_tool, name(via, "slow"), {"seconds": 8})
                    await slow_counts(stack, min_started=before["started"] + 1, wait_seconds=4)
                    scope.cancel()
        after = await slow_counts(stack, min_cancelled=before["cancelled"] + 1, wait_seconds=4)
    assert after["cancelled"] - before["cancelled"] == 1 and after["finished"] == before["finished"], (before, after)
    assert gauge(stack) == (0, 0)


# ------------------------------------------------------------------------------------------------
# what the bridge holds


def gauge(stack, timeout=3.0):
    """(mcp_bridged_calls, mcp_bridged_calls_pending), once both are 0 or after `timeout`."""
    deadline = time.time() + timeout
    while True:
        values = (stack.metric_value("mcp_bridged_calls"), stack.metric_value("mcp_bridged_calls_pending"))
        if values == (0, 0) or time.time() > deadline:
            return values
        time.sleep(0.05)


def test_an_abandoned_input_required_exchange_is_cancelled_and_freed(stack):
    """The client never retries: after limits.bridgedCallWaitSeconds the server's call is cancelled
    (the server counts it) and the pending gauge is back to 0; the state then names nothing."""
    params = {"name": f"{SERVER}_ask_name_counted", "arguments": {}, "_meta": envelope()}
    counts = lambda **a: json.loads(text_of(modern_post(stack, {"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {
        "name": f"{SERVER}_asks_counted", "arguments": a, "_meta": envelope()}}, "tools/call", f"{SERVER}_asks_counted")[1]))
    before = counts()
    _, first = modern_post(stack, {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params},
                           "tools/call", f"{SERVER}_ask_name_counted")
    assert first["result"]["resultType"] == "input_required", first
    assert stack.metric_value("mcp_bridged_calls_pending") == 1
    after = counts(min_cancelled=before["cancelled"] + 1, wait_seconds=WAIT_SECONDS + 4)
    assert after["cancelled"] == before["cancelled"] + 1 and after["started"] == before["started"] + 1, (before, after)
    assert gauge(stack) == (0, 0)
    key = next(iter(first["result"]["inputRequests"]))
    _, late = modern_post(stack, {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        **params, "inputResponses": {key: {"action": "accept", "content": {"name": "Late"}}},
        "requestState": first["result"]["requestState"]}}, "tools/call", f"{SERVER}_ask_name_counted")
    assert late["error"]["code"] == -32602 and "replica" in late["error"]["message"], late


def text_of(reply):
    assert "result" in reply, reply
    return reply["result"]["content"][0]["text"]


def test_bridged_calls_are_bounded(stack):
    """maxBridgedCalls (8 here) parked calls: the ninth is refused with a JSON-RPC error naming the limit."""
    params = {"name": f"{SERVER}_ask_name", "arguments": {}, "_meta": envelope()}
    assert gauge(stack) == (0, 0)
    parked = [modern_post(stack, {"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": params},
                          "tools/call", f"{SERVER}_ask_name")[1] for i in range(8)]
    assert all(p["result"]["resultType"] == "input_required" for p in parked), parked
    _, refused = modern_post(stack, {"jsonrpc": "2.0", "id": 99, "method": "tools/call", "params": params},
                             "tools/call", f"{SERVER}_ask_name")
    assert refused["error"]["code"] == -32000 and "maxBridgedCalls" in refused["error"]["message"], refused
    assert gauge(stack, timeout=WAIT_SECONDS + 4) == (0, 0)


# ------------------------------------------------------------------------------------------------
# resource subscriptions


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_resource_subscription(stack, via):
    """2026-07-28: subscriptions/listen naming the server's resource (the gateway holds a backend
    session's GET stream + resources/subscribe); the legacy control subscribes on its session. Either
    way `touch` brings one update for the note, with the URI the client knows."""
    uri = f"memo://{SERVER}/note"
    with anyio.fail_after(TEST_TIMEOUT):
        if via == "direct":
            updated = anyio.Event()
            seen = []

            async def on_message(message):
                if isinstance(message, types.ResourceUpdatedNotification):
                    seen.append(str(message.params.uri))
                    updated.set()

            async with client(stack, via, message_handler=on_message) as c:
                await c.subscribe_resource(uri)
                await c.call_tool("touch", {})
                await updated.wait()
            assert seen == [uri], seen
            return
        public = f"{SERVER}+{uri}"
        async with client(stack, via) as c, c.listen(resource_subscriptions=[public]) as sub:
            assert list(sub.honored.resource_subscriptions or []) == [public], sub.honored
            # The gateway subscribes on the server after acknowledging: touch until an update arrives.
            seen = []
            while not seen:
                await c.call_tool(name(via, "touch"), {})
                with anyio.move_on_after(0.5):
                    async for event in sub:
                        if str(getattr(event, "uri", "")):
                            seen.append(str(event.uri))
                            break
            assert seen == [public], seen


# ------------------------------------------------------------------------------------------------
# what the server cannot get from this client


def test_a_request_the_client_did_not_declare_is_a_clear_error(stack):
    """The client declared no sampling: the server's sampling request becomes -32021 naming the
    server and the capability (the server hears the refusal too), never an input request the
    client could not answer, and never a hang."""
    status, reply = modern_post(stack, {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
        "name": f"{SERVER}_ask_model", "arguments": {"prompt": "hi"}, "_meta": envelope({"elicitation": {}})}},
        "tools/call", f"{SERVER}_ask_model")
    assert reply["error"]["code"] == -32021, reply
    assert f'"{SERVER}"' in reply["error"]["message"] and "sampling" in reply["error"]["message"], reply
    assert reply["error"]["data"]["requiredCapabilities"] == {"sampling": {}}, reply
    assert gauge(stack) == (0, 0)
