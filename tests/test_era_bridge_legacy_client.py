"""A handshake-era client (SDK `Client(mode="legacy")`, 2025-11-25 sessions) reaches a server that
speaks only 2026-07-28 (tests/transparency_server.py `--era modern`: `initialize` -> -32022 with
data.supported, GET -> 405; pinned by tests/era_pinning.py) through Envoy + the gateway, which
bridges the eras.

The pair shares no era, so the control for each feature is the same feature used by a strict
2026-07-28 client (`mode="2026-07-28"`) directly against the server: results and effects must agree
(the server reports the protocol version it served, 2026-07-28, in both)."""
import json
from contextlib import asynccontextmanager

import anyio
import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from federation_stack import FederatedStack, ScriptServer, stack_with_servers
from test_transparency import CLIENT_INFO, FULL_CAPABILITIES, ROOTS, Callbacks, wait_metric

pytestmark = pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")

MODERN = "2026-07-28"
NAME = "modern"
TIMEOUT = 12


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("bridge")
    makers = {NAME: lambda: ScriptServer(NAME, "transparency_server.py", log_dir, "--era", "modern")}
    with stack_with_servers(log_dir, makers, [f"{NAME}_whoami"], "bridge") as s:
        yield s


@pytest.fixture
def anyio_backend():
    return "asyncio"


@asynccontextmanager
async def legacy_via_gateway(stack, callbacks, **overrides):
    async with Client(stack.url, **{**callbacks.client_kwargs(), **overrides}) as client:
        assert client.protocol_version == "2025-11-25"
        yield client, lambda tool: f"{NAME}_{tool}"


@asynccontextmanager
async def modern_direct(stack, callbacks, **overrides):
    kwargs = {**callbacks.client_kwargs(), "mode": MODERN, **overrides}
    async with Client(stack.bridge[NAME].url, **kwargs) as client:
        assert client.protocol_version == MODERN
        yield client, lambda tool: tool


PAIRS = {"gateway": legacy_via_gateway, "control": modern_direct}


async def text_of(client, tool, args=None, **kw):
    result = await client.call_tool(tool, args or {}, **kw)
    text = "\n".join(b.text for b in result.content if isinstance(b, types.TextContent))
    return f"ERROR: {text}" if result.is_error else text


async def both(stack, fn, callbacks=None, **overrides):
    """Runs fn(client, name) through the gateway (legacy client) and directly (2026-07-28 client)."""
    out = {}
    for via, connect in PAIRS.items():
        with anyio.fail_after(TIMEOUT):
            async with connect(stack, callbacks() if callbacks else Callbacks(concurrent=1), **overrides) as (client, name):
                out[via] = await fn(client, name)
    return out


@pytest.mark.anyio
async def test_the_modern_only_server_is_listed_to_handshake_clients(stack):
    async def names(client, name):
        tools = (await client.list_tools()).tools
        return sorted(t.name for t in tools if t.name == name(t.name.removeprefix(f"{NAME}_")))
    got = await both(stack, names)
    assert got["gateway"] == [f"{NAME}_{n}" for n in got["control"]] and "whoami" in got["control"], got


@pytest.mark.anyio
async def test_capabilities_and_info_of_the_handshake_session_reach_the_server_on_every_call(stack):
    async def seen(client, name):
        return [json.loads(await text_of(client, name("whoami"))) for _ in range(2)]
    got = await both(stack, seen)
    expected = {"server": NAME, "protocolVersion": MODERN, "capabilities": FULL_CAPABILITIES,
                "clientInfo": {"name": CLIENT_INFO.name, "version": CLIENT_INFO.version}}
    assert got["gateway"] == got["control"] == [expected, expected], got


@pytest.mark.anyio
async def test_call_and_structured_output(stack):
    async def call(client, name):
        result = await client.call_tool(name("measure"), {"text": "héllo"})
        return result.structured_content, [b.text for b in result.content if isinstance(b, types.TextContent)], result.is_error
    got = await both(stack, call)
    assert got["gateway"] == got["control"], got
    assert got["control"][0] == {"label": f"{NAME}:héllo", "length": 5}, got


INPUT_REQUIRED = {
    "resolve_name": ({}, f"{NAME}: hello Ada-{NAME} ({MODERN})", "elicitation/create"),
    "resolve_model": ({"prompt": f"question for {NAME}"}, f"{NAME}: model said answer to question for {NAME} ({MODERN})",
                      "sampling/createMessage"),
    "resolve_roots": ({}, f"{NAME}: roots {json.dumps(ROOTS)} ({MODERN})", "roots/list"),
}


@pytest.mark.anyio
@pytest.mark.parametrize("tool", list(INPUT_REQUIRED))
async def test_input_required_becomes_server_requests_on_the_call_stream(stack, tool):
    """The server answers with an InputRequiredResult; the legacy client gets a server->client request
    on the call's stream, answers it, and the gateway retries with inputResponses + requestState."""
    args, expected, method = INPUT_REQUIRED[tool]
    asked = {}

    async def call(client, name):
        cb = calls.pop(0)
        text = await text_of(client, name(tool), args)
        asked[len(asked)] = list(cb.asked)
        return text

    made = [Callbacks(concurrent=1), Callbacks(concurrent=1)]
    calls = list(made)
    got = await both(stack, call, callbacks=lambda: made[len(made) - len(calls)])
    assert got == {"gateway": expected, "control": expected}, got
    assert [m for m, _ in made[0].asked] == [m for m, _ in made[1].asked] == [method], (made[0].asked, made[1].asked)


@pytest.mark.anyio
async def test_a_client_without_the_capability_gets_an_error_naming_the_server(stack):
    async def call(client, name):
        try:
            return await text_of(client, name("resolve_name"))
        except MCPError as e:
            return f"MCPError: {e}"
    got = await both(stack, call, elicitation_callback=None, sampling_callback=None, list_roots_callback=None)
    assert "Ada" not in got["control"] and "Ada" not in got["gateway"], got
    assert NAME in got["gateway"] or "elicitation" in got["gateway"].lower(), got


@pytest.mark.anyio
async def test_progress_passes_through(stack):
    async def call(client, name):
        seen = []

        async def on_progress(value, total, message):
            seen.append((value, total, message))
        text = await text_of(client, name("count_progress"), {"steps": 3}, progress_callback=on_progress)
        return text, seen
    got = await both(stack, call)
    assert got["gateway"] == got["control"] == (f"{NAME}: counted 3", [(i, 3, f"{NAME} step {i}") for i in (1, 2, 3)]), got


@pytest.mark.anyio
async def test_log_messages_arrive_as_the_handshake_era_sends_them(stack):
    """A handshake-era client that set no level gets every message (what a 2025-11-25 server sends);
    after logging/setLevel warning only warning and error. Control: the 2026-07-28 client opting in
    at the same level in _meta."""
    results = {}
    for level in (None, "warning"):
        for via, connect in PAIRS.items():
            cb = Callbacks(concurrent=1)
            extra = {"log_level": level or "debug"} if via == "control" else {}
            with anyio.fail_after(TIMEOUT):
                async with connect(stack, cb, **extra) as (client, name):
                    if via == "gateway" and level:
                        await client.set_logging_level(level)
                    await text_of(client, name("emit_logs"))
                    await cb.wait_for(lambda: any(lvl == "error" for lvl, _ in cb.logs), 3)
            results[(via, level)] = [lvl for lvl, _ in cb.logs]
    assert results[("gateway", None)] == results[("control", None)] == ["debug", "info", "warning", "error"], results
    assert results[("gateway", "warning")] == results[("control", "warning")] == ["warning", "error"], results


@pytest.mark.anyio
async def test_cancellation_closes_the_server_request(stack):
    """The legacy client cancels (POSTs notifications/cancelled); the gateway closes the 2026-07-28
    request's stream, which is cancellation there: the server's `slow` is cancelled, never finishes."""
    async def run(client, name):
        before = json.loads(await text_of(client, name("cancelled_calls")))
        async with anyio.create_task_group() as tg:
            scope = anyio.CancelScope()

            async def slow():
                with scope:
                    await client.call_tool(name("slow"), {"seconds": 8})
            tg.start_soon(slow)
            started = json.loads(await text_of(client, name("cancelled_calls"),
                                               {"min_started": before["started"] + 1, "wait_seconds": 3}))
            assert started["started"] == before["started"] + 1
            scope.cancel()
        after = json.loads(await text_of(client, name("cancelled_calls"),
                                         {"min_cancelled": before["cancelled"] + 1, "wait_seconds": 4}))
        return after["cancelled"] - before["cancelled"], after["finished"] - before["finished"]
    got = await both(stack, run)
    assert got["gateway"] == got["control"] == (1, 0), got


@pytest.mark.anyio
async def test_resource_read(stack):
    async def read(client, name):
        uri = NOTE if name("x") == "x" else PUBLIC_NOTE
        result = await client.read_resource(uri)
        return result.contents[0].text.split(" v")[0]
    got = await both(stack, read)
    assert got["gateway"] == got["control"] == f"{NAME} note", got


NOTE = f"memo://{NAME}/note"
PUBLIC_NOTE = f"{NAME}+{NOTE}"


async def next_update(sub, timeout):
    """The URI of the next resource update on a 2026-07-28 listen, or None after `timeout`."""
    with anyio.move_on_after(timeout):
        async for event in sub:
            if getattr(event, "uri", None):
                return str(event.uri)
    return None


@pytest.mark.anyio
async def test_resource_subscription_reaches_the_get_stream_until_unsubscribed(stack):
    """The legacy client subscribes to the federated note URI (the server has no resources/subscribe:
    the gateway answers and holds a subscriptions/listen on the server while the client's GET stream
    is open); `touch` brings notifications/resources/updated with the federated URI; after
    unsubscribe a touch brings nothing. Control: a 2026-07-28 client listening directly on the same
    resource sees every one of these touches."""
    cb = Callbacks(concurrent=1)
    with anyio.fail_after(40):
        async with Client(stack.bridge[NAME].url, mode=MODERN) as control, control.listen(resource_subscriptions=[NOTE]) as sub:
            assert list(sub.honored.resource_subscriptions or []) == [NOTE], sub.honored
            async with legacy_via_gateway(stack, cb) as (client, name):
                assert client.server_capabilities.resources.subscribe is True
                await client.subscribe_resource(PUBLIC_NOTE)
                # The SDK opens the client's GET stream in the background after `initialized`, and the
                # gateway's listen on the server is acknowledged after that: touch until one arrives.
                for _ in range(10):
                    await text_of(client, name("touch"))
                    assert await next_update(sub, 5) == NOTE, "control: the server published the touch"
                    if await cb.wait_for(lambda: cb.updated, 2):
                        break
                assert cb.updated == [PUBLIC_NOTE], cb.updated
                await text_of(client, name("touch"))
                assert await next_update(sub, 5) == NOTE
                assert await cb.wait_for(lambda: len(cb.updated) == 2, 5), cb.updated

                await client.unsubscribe_resource(PUBLIC_NOTE)
                await text_of(client, name("touch"))
                assert await next_update(sub, 5) == NOTE, "control: the server published this touch too"
                assert not await cb.wait_for(lambda: len(cb.updated) > 2, 2), cb.updated
            assert cb.updated == [PUBLIC_NOTE, PUBLIC_NOTE], cb.updated
    assert await wait_metric(stack, "mcp_server_streams", lambda v: v == 0), "the gateway's listen outlived the client"
    assert await wait_metric(stack, "mcp_bridged_subscriptions", lambda v: v == 0), "subscriptions stayed after the client left"


@pytest.mark.anyio
async def test_subscriptions_opened_before_the_get_stream_are_listened_for_and_end_with_the_session(stack):
    """Subscribed first, GET stream later (the gateway opens the listen then); the session ends
    with DELETE (the SDK client does that on exit): its subscriptions go with it."""
    cb = Callbacks(concurrent=1)
    with anyio.fail_after(40):
        async with legacy_via_gateway(stack, cb) as (client, name):
            await client.subscribe_resource(PUBLIC_NOTE)
            await client.subscribe_resource(PUBLIC_NOTE)  # twice: one subscription, one update per touch
            assert await wait_metric(stack, "mcp_bridged_subscriptions", lambda v: v == 1)
            for _ in range(10):
                await text_of(client, name("touch"))
                if await cb.wait_for(lambda: cb.updated, 2):
                    break
            await text_of(client, name("touch"))
            assert await cb.wait_for(lambda: len(cb.updated) >= 2, 5), cb.updated
            assert not await cb.wait_for(lambda: len(cb.updated) > 2, 1), cb.updated
            assert set(cb.updated) == {PUBLIC_NOTE}, cb.updated
    assert await wait_metric(stack, "mcp_bridged_subscriptions", lambda v: v == 0), "DELETE left subscriptions behind"
    assert await wait_metric(stack, "mcp_server_streams", lambda v: v == 0)


# ------------------------------------------------------------------------------------------------
# faults: a client that never answers, a client that leaves


@pytest.fixture(scope="module")
def short_stack(tmp_path_factory):
    """The same server behind a gateway whose wait for a client's answers is 2 s, and which holds
    at most 2 resource subscriptions per session."""
    log_dir = tmp_path_factory.mktemp("bridge-short")
    server = ScriptServer(NAME, "transparency_server.py", log_dir, "--era", "modern")
    try:
        s = FederatedStack(log_dir, config_overrides={"limits": {"maxBodyBytes": 262144, "relayedCallTimeoutSeconds": 2,
                                                                "maxBridgedSubscriptionsPerSession": 2}},
                           extra_servers=[{"name": NAME, "url": server.url, "timeoutSeconds": 10}])
        try:
            s.wait_for_tools([f"{NAME}_whoami"])
            yield s
        finally:
            s.stop()
    finally:
        server.stop()


def stalled_elicitation():
    """An elicitation callback that never answers, and the event it sets when asked."""
    asked = anyio.Event()

    async def never(context, params):
        asked.set()
        await anyio.sleep(30)
    return asked, never


@pytest.mark.anyio
async def test_a_client_that_never_answers_gets_an_error_after_the_bound_and_nothing_stays(short_stack):
    asked, never = stalled_elicitation()
    with anyio.fail_after(TIMEOUT):
        async with Client(short_stack.url, mode="legacy", elicitation_callback=never) as client:
            with pytest.raises(MCPError) as err:
                await client.call_tool(f"{NAME}_resolve_name", {})
            assert asked.is_set()
        assert NAME in str(err.value) and "did not answer" in str(err.value), err.value
        assert await wait_metric(short_stack, "mcp_relayed_calls", lambda v: v == 0), "the bridged call was not released"


@pytest.mark.anyio
async def test_a_client_leaving_mid_input_request_leaves_nothing_behind(short_stack):
    asked, elicit_then_leave = stalled_elicitation()
    with anyio.fail_after(TIMEOUT):
        async with anyio.create_task_group() as tg:
            async def run_client():
                async with Client(short_stack.url, mode="legacy", elicitation_callback=elicit_then_leave) as client:
                    await client.call_tool(f"{NAME}_resolve_name", {})
            tg.start_soon(run_client)
            await asked.wait()
            assert short_stack.metric_value("mcp_relayed_calls") >= 1
            tg.cancel_scope.cancel()
        assert await wait_metric(short_stack, "mcp_relayed_calls", lambda v: v == 0, timeout=1.5), "not released at once"


@pytest.mark.anyio
async def test_subscriptions_past_the_per_session_cap_get_an_error_naming_it(short_stack):
    uri = f"{NAME}+memo://{NAME}/"
    with anyio.fail_after(TIMEOUT):
        async with Client(short_stack.url, mode="legacy") as client:
            await client.subscribe_resource(uri + "a")
            await client.subscribe_resource(uri + "b")
            await client.subscribe_resource(uri + "a")  # held already: no error
            with pytest.raises(MCPError) as err:
                await client.subscribe_resource(uri + "c")
            assert "maxBridgedSubscriptionsPerSession" in str(err.value), err.value
            await client.unsubscribe_resource(uri + "a")
            await client.subscribe_resource(uri + "c")
            assert short_stack.metric_value("mcp_bridged_subscriptions") == 2
    assert await wait_metric(short_stack, "mcp_bridged_subscriptions", lambda v: v == 0)


def test_a_plain_client_without_a_session_calls_the_modern_only_server(stack):
    """curl-style POST (no session, no Accept, no protocol header): the gateway translates it on the
    direct path. Control: the same call as a 2026-07-28 request straight to the server."""
    import httpx
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "measure", "arguments": {"text": "abc"}}}
    via = httpx.post(stack.url, json={**call, "params": {**call["params"], "name": f"{NAME}_measure"}}, timeout=10)
    meta = {"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {}}
    direct = httpx.post(stack.bridge[NAME].url, json={**call, "params": {**call["params"], "_meta": meta}}, timeout=10,
                        headers={"accept": "application/json, text/event-stream", "mcp-protocol-version": MODERN,
                                 "mcp-method": "tools/call", "mcp-name": "measure"})

    def result(response):
        assert response.status_code == 200, response.text
        text = response.text
        if text.startswith("event:") or text.startswith("data:"):
            text = [line[5:].strip() for line in text.splitlines() if line.startswith("data:")][-1]
        return json.loads(text)["result"]["structuredContent"]
    assert result(via) == result(direct) == {"label": f"{NAME}:abc", "length": 3}
