"""Transparency: what happens after a call starts must look the same through Envoy + the gateway as
it does talking to the MCP server directly.

Two instances of tests/transparency_server.py (`alpha`, `beta`; official SDK, stateful streamable
HTTP) sit behind the gateway (tools `alpha_ask_name`, `beta_ask_name`, ...). Each feature runs
twice: `[direct]` against the servers themselves (the control: one SDK client per server, unprefixed
names) and `[gateway]` through Envoy + gateway (one SDK client, prefixed names), with the same
assertions. Both servers number their own requests from 1, so features with server->client
requests call alpha and beta concurrently in one client session: ids collide unless the gateway
keeps them apart. Clients are the official SDK `mcp.Client(mode="legacy")` (2025-11-25 sessions),
except the 2026-07-28 tests at the end (`mode="auto"`, checked to have negotiated 2026-07-28).
"""
import itertools
import json
import urllib.error
import urllib.request
import uuid
from contextlib import AsyncExitStack, asynccontextmanager

import anyio
import httpx
import mcp_types as types
import pytest
from mcp import Client

from federation_stack import FederatedStack, ScriptServer, parse_body, stack_with_servers

SERVERS = ("alpha", "beta")
VIAS = ["direct", "gateway"]
VERSION = "2025-11-25"
CLIENT_INFO = types.Implementation(name="transparency-test", version="7.7.7")
# What the SDK client declares when it has elicitation, sampling and roots callbacks (SDK 2.3.0).
FULL_CAPABILITIES = {"elicitation": {"form": {}, "url": {}}, "roots": {"listChanged": True}, "sampling": {}}
ROOTS = ["file:///work/project-a", "file:///work/project-b"]
TEST_TIMEOUT = 9  # seconds per test, all waits included
ACCEPT_BOTH = "application/json, text/event-stream"

pytestmark = pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")


class TransparencyServer(ScriptServer):
    def __init__(self, name, log_dir):
        super().__init__(name, "transparency_server.py", log_dir)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("transparency")
    makers = {name: (lambda name=name: TransparencyServer(name, log_dir)) for name in SERVERS}
    with stack_with_servers(log_dir, makers, [f"{n}_whoami" for n in SERVERS], "transparency") as s:
        yield s


@pytest.fixture
def anyio_backend():
    return "asyncio"


# ------------------------------------------------------------------------------------------------
# client side: callbacks that record what arrived, and a view of both servers


class Changes:
    """Something tests wait on: `_note()` when it changes, `wait_for(predicate)` without polling."""

    def __init__(self):
        self._changed = anyio.Event()

    def _note(self):
        self._changed.set()
        self._changed = anyio.Event()

    async def wait_for(self, predicate, timeout):
        """Waits (event-driven) until predicate() holds; False on timeout."""
        with anyio.move_on_after(timeout):
            while not predicate():
                await self._changed.wait()
            return True
        return False


class Callbacks(Changes):
    """The SDK client callbacks for one test, shared by all its clients; everything is recorded.

    Server->client requests meet at a rendezvous (bounded) so alpha's and beta's are pending at the
    same time; answers depend on which server asked (the server's name leads its message), so an
    answer delivered to the wrong server shows up in the tool result."""

    def __init__(self, concurrent=len(SERVERS)):
        super().__init__()
        self.logs = []          # (level, data)
        self.updated = []       # notifications/resources/updated URIs
        self.asked = []         # (method, server) of server->client requests seen
        self._concurrent = concurrent
        self._all_arrived = anyio.Event()
        self.overlapped = True  # False once a rendezvous timed out: the requests were not pending together

    async def _rendezvous(self, method, server):
        self.asked.append((method, server))
        self._note()
        if len(self.asked) >= self._concurrent:
            self._all_arrived.set()
        with anyio.move_on_after(2):  # then proceed, so the test reports it instead of hanging
            await self._all_arrived.wait()
        if not self._all_arrived.is_set():
            self.overlapped = False

    async def elicit(self, context, params):
        server = params.message.split(":")[0]
        await self._rendezvous("elicitation/create", server)
        return types.ElicitResult(action="accept", content={"name": f"Ada-{server}"})

    async def sample(self, context, params):
        prompt = params.messages[0].content.text
        await self._rendezvous("sampling/createMessage", prompt.rsplit(" ", 1)[-1])
        return types.CreateMessageResult(role="assistant", model="test-model", stop_reason="endTurn",
                                         content=types.TextContent(type="text", text=f"answer to {prompt}"))

    async def roots(self, context):
        self.asked.append(("roots/list", None))
        self._note()
        return types.ListRootsResult(roots=[types.Root(uri=u) for u in ROOTS])

    async def log(self, params):
        self.logs.append((params.level, params.data))
        self._note()

    async def message(self, message):
        if isinstance(message, types.ResourceUpdatedNotification):
            self.updated.append(str(message.params.uri))
            self._note()

    def client_kwargs(self):
        return dict(mode="legacy", client_info=CLIENT_INFO, elicitation_callback=self.elicit,
                    sampling_callback=self.sample, list_roots_callback=self.roots,
                    logging_callback=self.log, message_handler=self.message)


class Peer:
    """Both servers as one test sees them: `direct` = one SDK client per server, own tool names and
    URIs; `gateway` = one SDK client through Envoy, `<server>_` tools and `<server>+` URIs."""

    def __init__(self, via, clients):
        self.via = via
        self.clients = clients

    def tool(self, server, name):
        return name if self.via == "direct" else f"{server}_{name}"

    def uri(self, server):
        uri = f"memo://{server}/note"
        return uri if self.via == "direct" else f"{server}+{uri}"

    def distinct_clients(self):
        return list({id(c): c for c in self.clients.values()}.values())

    async def call(self, server, name, args=None):
        result = await self.clients[server].call_tool(self.tool(server, name), args or {})
        text = "\n".join(b.text for b in result.content if isinstance(b, types.TextContent))
        return f"ERROR: {text}" if result.is_error else text

    async def both(self, name, args=lambda server: {}, timeout=5):
        """Calls `name` on alpha and beta concurrently; {server: text, or "<Exception>: ..." so that a
        failure shows up in the comparison, per server}."""
        out = {}

        async def one(server):
            try:
                with anyio.fail_after(timeout):
                    out[server] = await self.call(server, name, args(server))
            except TimeoutError:
                out[server] = f"TimeoutError: no answer within {timeout}s"
            except Exception as exc:  # noqa: BLE001 - reported in the comparison
                out[server] = f"{type(exc).__name__}: {exc}"

        async with anyio.create_task_group() as tg:
            for server in SERVERS:
                tg.start_soon(one, server)
        return out


@asynccontextmanager
async def connect(stack, via, callbacks, **overrides):
    kwargs = {**callbacks.client_kwargs(), **overrides}
    async with AsyncExitStack() as es:
        if via == "gateway":
            client = await es.enter_async_context(Client(stack.url, **kwargs))
            yield Peer(via, {s: client for s in SERVERS})
        else:
            clients = {s: await es.enter_async_context(Client(stack.transparency[s].url, **kwargs)) for s in SERVERS}
            yield Peer(via, clients)


# ------------------------------------------------------------------------------------------------
# the client's identity and capabilities


async def whoami(stack, via, **overrides):
    async with connect(stack, via, Callbacks(), **overrides) as peer:
        seen = await peer.both("whoami")
    return {s: json.loads(text) if text.startswith("{") else text for s, text in seen.items()}


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_client_capabilities_and_info_reach_the_server(stack, via):
    with anyio.fail_after(TEST_TIMEOUT):
        seen = await whoami(stack, via)
        bare = await whoami(stack, via, client_info=types.Implementation(name="bare-client", version="1"),
                            elicitation_callback=None, sampling_callback=None, list_roots_callback=None)
        if via == "gateway":  # agree with the control, field for field
            assert seen == await whoami(stack, "direct")
    for s in SERVERS:
        assert seen[s] == {"server": s, "protocolVersion": VERSION, "capabilities": FULL_CAPABILITIES,
                           "clientInfo": {"name": CLIENT_INFO.name, "version": CLIENT_INFO.version}}
        # a client declaring nothing must not appear to the server with someone else's capabilities
        assert bare[s] == {"server": s, "protocolVersion": VERSION, "capabilities": {},
                           "clientInfo": {"name": "bare-client", "version": "1"}}


# ------------------------------------------------------------------------------------------------
# server->client requests during a call, alpha and beta at once


DURING_A_CALL = {
    # tool: (arguments for server s, expected text from server s, the request the client must see)
    "ask_name": (lambda s: {}, lambda s: f"{s}: hello Ada-{s}", "elicitation/create"),
    "ask_model": (lambda s: {"prompt": f"question for {s}"}, lambda s: f"{s}: model said answer to question for {s}",
                  "sampling/createMessage"),
    "show_roots": (lambda s: {}, lambda s: f"{s}: roots {json.dumps(ROOTS)}", "roots/list"),
    "ping_client": (lambda s: {}, lambda s: f"{s}: pong", None),  # the SDK answers ping itself
}


@pytest.mark.anyio
@pytest.mark.parametrize("tool", list(DURING_A_CALL))
@pytest.mark.parametrize("via", VIAS)
async def test_server_requests_during_a_call(stack, via, tool):
    args, expected, method = DURING_A_CALL[tool]
    cb = Callbacks()
    with anyio.fail_after(TEST_TIMEOUT):
        async with connect(stack, via, cb) as peer:
            got = await peer.both(tool, args)
    assert got == {s: expected(s) for s in SERVERS}, f"server->client requests the client saw: {cb.asked}"
    if method is not None:
        assert sorted(m for m, _ in cb.asked) == [method] * len(SERVERS), cb.asked
    if tool in ("ask_name", "ask_model"):
        assert cb.overlapped, "alpha's and beta's requests were never pending at the same time"


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_server_request_outside_a_call(stack, via):
    """roots/list sent by the server on the session's standalone GET stream after the call ended."""
    token = uuid.uuid4().hex
    cb = Callbacks()
    with anyio.fail_after(TEST_TIMEOUT):
        async with connect(stack, via, cb) as peer:
            started = await peer.both("roots_later", lambda s: {"token": token, "delay": 0.3})
            assert started == {s: f"{s}: will ask roots in 0.3s" for s in SERVERS}
            answers = await peer.both("last_background_roots", lambda s: {"token": token, "wait_seconds": 6}, timeout=7)
    assert {s: json.loads(a) if a.startswith("{") else a for s, a in answers.items()} == {
        s: {"server": s, "roots": ROOTS} for s in SERVERS}


# ------------------------------------------------------------------------------------------------
# cancellation


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_cancellation_reaches_the_server_that_runs_the_call(stack, via):
    with anyio.fail_after(TEST_TIMEOUT):
        async with connect(stack, via, Callbacks()) as peer:
            await cancel_slow_calls_on_both(peer)


async def cancel_slow_calls_on_both(peer):
    """Starts `slow` on alpha and beta, cancels both the SDK's way (cancelling the awaiting scope:
    handshake-era clients then send notifications/cancelled, 2026-07-28 clients close the call's
    stream), and checks each server saw exactly one cancellation and no finish."""
    def counts(texts):
        return {s: json.loads(t) if t.startswith("{") else {"error": t} for s, t in texts.items()}

    before = counts(await peer.both("cancelled_calls"))
    scopes = {}

    async def run_slow(server):
        with anyio.CancelScope() as scope:
            scopes[server] = scope
            await peer.clients[server].call_tool(peer.tool(server, "slow"), {"seconds": 8})

    async with anyio.create_task_group() as tg:
        for s in SERVERS:
            tg.start_soon(run_slow, s)
        # the server waits (up to 3 s) until its `slow` has started: no client-side polling
        started = counts(await peer.both("cancelled_calls", lambda s: {
            "min_started": before[s]["started"] + 1, "wait_seconds": 3}))
        assert all(started[s]["started"] == before[s]["started"] + 1 for s in SERVERS), (before, started)
        for scope in scopes.values():
            scope.cancel()
    after = counts(await peer.both("cancelled_calls", lambda s: {
        "min_cancelled": before[s]["cancelled"] + 1, "wait_seconds": 4}))
    assert {s: after[s]["cancelled"] - before[s]["cancelled"] for s in SERVERS} == {s: 1 for s in SERVERS}, \
        (before, after)
    assert all(after[s]["finished"] == before[s]["finished"] for s in SERVERS), (before, after)


# ------------------------------------------------------------------------------------------------
# notifications/roots/list_changed


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_roots_list_changed_reaches_every_server_the_client_uses(stack, via):
    def counts(texts):
        return {s: json.loads(t)["count"] if t.startswith("{") else t for s, t in texts.items()}

    with anyio.fail_after(TEST_TIMEOUT):
        async with connect(stack, via, Callbacks()) as peer:
            before = counts(await peer.both("roots_changed"))  # also: both servers are in use by this client
            for client in peer.distinct_clients():
                await client.send_roots_list_changed()
            after = counts(await peer.both("roots_changed", lambda s: {
                "min_count": before[s] + 1 if isinstance(before[s], int) else 0, "wait_seconds": 3}))
    grew = {s: after[s] - before[s] if isinstance(after[s], int) and isinstance(before[s], int) else (before[s], after[s])
            for s in SERVERS}
    assert grew == {s: 1 for s in SERVERS}, (before, after)


# ------------------------------------------------------------------------------------------------
# logging/setLevel


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_set_level_filters_log_messages(stack, via):
    cb = Callbacks()
    with anyio.fail_after(TEST_TIMEOUT):
        async with connect(stack, via, cb) as peer:
            for client in peer.distinct_clients():
                await client.set_logging_level("warning")
            sent = await peer.both("emit_logs")
            # the last message each server sends is its error; the SDK delivers in arrival order
            await cb.wait_for(lambda: all((("error", f"{s}: error message") in cb.logs) for s in SERVERS), 4)
    assert sent == {s: f"{s}: sent warning,error" for s in SERVERS}
    assert {s: [lvl for lvl, data in cb.logs if data.startswith(f"{s}:")] for s in SERVERS} == {
        s: ["warning", "error"] for s in SERVERS}


# ------------------------------------------------------------------------------------------------
# resources/subscribe + notifications/resources/updated


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_subscribed_client_gets_resource_updates_with_its_own_uris(stack, via):
    cb = Callbacks()
    with anyio.fail_after(TEST_TIMEOUT):
        async with connect(stack, via, cb) as peer:
            uris = {s: peer.uri(s) for s in SERVERS}
            for s in SERVERS:
                client = peer.clients[s]
                listed = [str(r.uri) for r in (await client.list_resources()).resources]
                assert uris[s] in listed, listed
                read = await client.read_resource(uris[s])
                assert read.contents[0].text.startswith(f"{s} note v"), read
                await client.subscribe_resource(uris[s])
            # notifications/resources/updated rides the session's GET stream, which the SDK client opens
            # in the background after `initialized`: touch again if the first one went out before it.
            for _ in range(3):
                touched = await peer.both("touch")
                assert all(t.startswith(f"{s}: touched memo://{s}/note") for s, t in touched.items()), touched
                if await cb.wait_for(lambda: set(uris.values()) <= set(cb.updated), 1.5):
                    break
    assert set(cb.updated) == set(uris.values()), cb.updated


# ------------------------------------------------------------------------------------------------
# a walk-through user: curl with nothing but a content type


def plain_post(url, body):
    """POST with exactly one header of our own: Content-Type (urllib adds no Accept)."""
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            status, ctype, text = r.status, r.headers.get("content-type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        status, ctype, text = e.code, e.headers.get("content-type", ""), e.read().decode()
    return status, parse_body(text, ctype), text


def test_sessionless_plain_json_request_through_gateway(stack):
    status, body, raw = plain_post(stack.url, {"jsonrpc": "2.0", "method": "tools/list", "id": 1})
    assert status == 200, raw
    names = [t["name"] for t in body["result"]["tools"]]
    assert "calculus_differentiate" in names and "alpha_whoami" in names, names
    status, body, raw = plain_post(stack.url, {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "calculus_differentiate", "arguments": {"expression": "x**3 + 2*x"}}})
    assert status == 200, raw
    assert body["id"] == 2 and "3*x**2 + 2" in body["result"]["content"][0]["text"], raw


# ------------------------------------------------------------------------------------------------
# security: JSON-RPC responses a client did not earn


class RawSession:
    """A hand-driven 2025-11-25 session (httpx), to POST exactly what a misbehaving client would."""

    def __init__(self, http, url):
        self.http, self.url, self.sid = http, url, None

    def headers(self):
        return {"content-type": "application/json", "accept": ACCEPT_BOTH,
                "mcp-session-id": self.sid, "mcp-protocol-version": VERSION}

    async def open(self):
        r = await self.http.post(self.url, headers={"content-type": "application/json", "accept": ACCEPT_BOTH}, json={
            "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": VERSION, "capabilities": {"elicitation": {"form": {}}},
                "clientInfo": {"name": "raw", "version": "1"}}})
        assert r.status_code == 200, r.text
        self.sid = r.headers["mcp-session-id"]
        self.initialized = parse_body(r.text, r.headers.get("content-type", ""))["result"]
        r = await self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        assert r.status_code == 202, r.text
        return self

    async def post(self, message):
        return await self.http.post(self.url, headers=self.headers(), json=message)

    async def call(self, tool, args, id):
        r = await self.post({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": tool, "arguments": args}})
        return parse_body(r.text, r.headers.get("content-type", ""))


async def sse_messages(response):
    data = []
    async for line in response.aiter_lines():
        if line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and data:
            text = "\n".join(data)
            data = []
            if text:
                yield json.loads(text)


def refused(response):
    """4xx, or a JSON-RPC error in the body."""
    if response.status_code >= 400:
        return True
    try:
        body = parse_body(response.text, response.headers.get("content-type", ""))
    except ValueError:
        return False
    return isinstance(body, dict) and "error" in body


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_forged_or_copied_response_ids_are_refused_and_never_reach_the_server(stack, via):
    """Session A's alpha_ask_name is waiting for its elicitation answer. Session B POSTs an answer
    with the id A received (copied), and A POSTs answers with ids it never received (forged), all
    naming "Mallory". Through the gateway each must be refused and none may reach the server; the
    server (direct control: it receives them, answers 202, and its SDK ignores them) must end up
    with A's genuine answer."""
    url = stack.url if via == "gateway" else stack.transparency["alpha"].url
    tool = "alpha_ask_name" if via == "gateway" else "ask_name"
    seen_tool = "alpha_responses_seen" if via == "gateway" else "responses_seen"
    marker = f"Mallory-{uuid.uuid4().hex[:8]}"
    forged_answer = {"action": "accept", "content": {"name": marker}}
    with anyio.fail_after(TEST_TIMEOUT):
        async with httpx.AsyncClient(timeout=5) as http:
            a = await RawSession(http, url).open()
            b = await RawSession(http, url).open()
            attempts = []
            async with http.stream("POST", url, headers=a.headers(), json={
                    "jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": tool, "arguments": {}}}) as call:
                assert call.status_code == 200
                messages = sse_messages(call)
                request = await messages.__anext__()
                assert request.get("method") == "elicitation/create", request
                eid = request["id"]
                attempts.append(("copied into session B", eid, await b.post(
                    {"jsonrpc": "2.0", "id": eid, "result": forged_answer})))
                for fid in (0, 1, 2, 987654, "forged-id"):
                    if fid != eid:
                        attempts.append(("forged in session A", fid, await a.post(
                            {"jsonrpc": "2.0", "id": fid, "result": forged_answer})))
                genuine = await a.post({"jsonrpc": "2.0", "id": eid, "result": {"action": "accept", "content": {"name": "Ada"}}})
                assert 200 <= genuine.status_code < 300, genuine.text
                final = None
                async for message in messages:
                    if message.get("id") == 7:
                        final = message
                        break
            seen = json.loads((await a.call(seen_tool, {"marker": marker}, 8))["result"]["content"][0]["text"])
    assert final["result"]["content"][0]["text"] == "alpha: hello Ada", final
    outcomes = [(what, fid, r.status_code, r.text[:200]) for what, fid, r in attempts]
    if via == "direct":
        # the control: the SDK server takes any response with 202 and ignores ids it did not issue
        assert all(r.status_code == 202 for _, _, r in attempts), outcomes
        assert seen["count"] == len(attempts), seen
    else:
        assert all(refused(r) for _, _, r in attempts), outcomes
        assert seen["count"] == 0, seen


# ------------------------------------------------------------------------------------------------
# 2025-11-25 tasks: task-augmented tools/call, tasks/get|result|list|cancel, notifications/tasks/status
#
# Both servers number their tasks "task-1", "task-2", ... per session, so alpha's and beta's ids
# collide in one client session: through the gateway the client must see distinct, opaque ids
# (`mcpgw.` sealed strings bound to its session) that still reach the right server.


TASK_CAPABILITY = {"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}}
TTL = 60000
RELATED_TASK = "io.modelcontextprotocol/related-task"
INVALID_PARAMS = -32602


class TaskPeer:
    """Raw sessions for the tasks tests: `direct` = one session per server (unprefixed tools);
    `gateway` = one session through Envoy (`<server>_` tools)."""

    def __init__(self, via, sessions):
        self.via, self.sessions = via, sessions
        self._ids = itertools.count(100)

    @classmethod
    async def open(cls, stack, http, via):
        if via == "gateway":
            session = await RawSession(http, stack.url).open()
            return cls(via, {s: session for s in SERVERS})
        return cls(via, {s: await RawSession(http, stack.transparency[s].url).open() for s in SERVERS})

    def tool(self, server, name):
        return name if self.via == "direct" else f"{server}_{name}"

    def distinct_sessions(self):
        return list({id(x): x for x in self.sessions.values()}.values())

    async def request(self, server, method, params):
        """The JSON-RPC response (result or error) to `method` on `server`'s session."""
        r = await self.sessions[server].post({"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params})
        body = parse_body(r.text, r.headers.get("content-type", ""))
        assert isinstance(body, dict) and ("result" in body or "error" in body), (method, r.status_code, r.text[:300])
        return body

    async def result(self, server, method, params):
        body = await self.request(server, method, params)
        assert "result" in body, (method, params, body)
        return body["result"]

    async def start(self, server, seconds, label):
        """long_job as a task; the CreateTaskResult's task."""
        created = await self.result(server, "tools/call", {
            "name": self.tool(server, "long_job"), "arguments": {"seconds": seconds, "label": label}, "task": {"ttl": TTL}})
        assert "task" in created, created
        return created["task"]

    async def call_text(self, server, name, args):
        result = await self.result(server, "tools/call", {"name": self.tool(server, name), "arguments": args})
        return result["content"][0]["text"]

    async def list_tasks(self):
        """Every task the client can list: one tasks/list per distinct session, concatenated."""
        tasks = []
        for session in self.distinct_sessions():
            server = next(s for s, x in self.sessions.items() if x is session)
            tasks += (await self.result(server, "tasks/list", {}))["tasks"]
        return tasks


class Inbox(Changes):
    """Messages that arrived on GET streams; event-driven waits."""

    def __init__(self):
        super().__init__()
        self.messages = []

    def add(self, message):
        self.messages.append(message)
        self._note()


def by_server(tasks):
    """{server: sorted task ids}, the server read off the statusMessage ("<server>: <label>")."""
    out = {}
    for task in tasks:
        out.setdefault(task.get("statusMessage", "?").split(":")[0], []).append(task["taskId"])
    return {s: sorted(ids) for s, ids in out.items()}


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_tasks_capability_and_task_support_are_advertised(stack, via):
    with anyio.fail_after(TEST_TIMEOUT):
        async with httpx.AsyncClient(timeout=5) as http:
            peer = await TaskPeer.open(stack, http, via)
            caps = {s: peer.sessions[s].initialized["capabilities"] for s in SERVERS}
            executions = {}
            for s in SERVERS:
                tools = (await peer.result(s, "tools/list", {}))["tools"]
                executions[s] = {t["name"]: t.get("execution") for t in tools}.get(peer.tool(s, "long_job"), "missing")
    assert {s: caps[s].get("tasks") for s in SERVERS} == {s: TASK_CAPABILITY for s in SERVERS}, caps
    assert executions == {s: {"taskSupport": "optional"} for s in SERVERS}, executions


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_tasks_on_two_servers_in_one_session(stack, via):
    """alpha and beta both create "task-1" (then "task-2") in this client's session; get, result,
    list and cancel must each reach the server that owns the task."""
    with anyio.fail_after(TEST_TIMEOUT):
        async with httpx.AsyncClient(timeout=5) as http:
            peer = await TaskPeer.open(stack, http, via)
            quick = {s: await peer.start(s, 0.5, f"quick-{s}") for s in SERVERS}
            ids = {s: quick[s]["taskId"] for s in SERVERS}
            got = {s: await peer.result(s, "tasks/get", {"taskId": ids[s]}) for s in SERVERS}
            results = {s: await peer.result(s, "tasks/result", {"taskId": ids[s]}) for s in SERVERS}  # waits
            done = {s: await peer.result(s, "tasks/get", {"taskId": ids[s]}) for s in SERVERS}
            slow = {s: await peer.start(s, 30, f"slow-{s}") for s in SERVERS}
            slow_ids = {s: slow[s]["taskId"] for s in SERVERS}
            cancelled = {s: await peer.result(s, "tasks/cancel", {"taskId": slow_ids[s]}) for s in SERVERS}
            after_cancel = {s: await peer.result(s, "tasks/get", {"taskId": slow_ids[s]}) for s in SERVERS}
            listed = await peer.list_tasks()
    for s in SERVERS:
        assert quick[s]["status"] == "working" and quick[s]["ttl"] == TTL and quick[s]["statusMessage"] == f"{s}: quick-{s}", quick
        assert quick[s]["createdAt"] and quick[s]["lastUpdatedAt"], quick
    if via == "direct":  # the control: the servers' ids collide
        assert ids == {s: "task-1" for s in SERVERS} and slow_ids == {s: "task-2" for s in SERVERS}, (ids, slow_ids)
    else:
        client_ids = [*ids.values(), *slow_ids.values()]
        assert len(set(client_ids)) == len(client_ids), (ids, slow_ids)
        assert all(i.startswith("mcpgw.") for i in client_ids), (ids, slow_ids)
    assert {s: (got[s]["taskId"], got[s]["statusMessage"]) for s in SERVERS} == {
        s: (ids[s], f"{s}: quick-{s}") for s in SERVERS}, got
    assert all(got[s]["status"] in ("working", "completed") for s in SERVERS), got
    assert {s: results[s]["content"][0]["text"] for s in SERVERS} == {s: f"{s}: done quick-{s}" for s in SERVERS}, results
    assert {s: results[s].get("_meta", {}).get(RELATED_TASK) for s in SERVERS} == {s: {"taskId": ids[s]} for s in SERVERS}, results
    assert {s: (done[s]["taskId"], done[s]["status"]) for s in SERVERS} == {s: (ids[s], "completed") for s in SERVERS}, done
    assert {s: (cancelled[s]["taskId"], cancelled[s]["status"]) for s in SERVERS} == {
        s: (slow_ids[s], "cancelled") for s in SERVERS}, cancelled
    assert {s: (after_cancel[s]["taskId"], after_cancel[s]["status"], after_cancel[s]["statusMessage"]) for s in SERVERS} == {
        s: (slow_ids[s], "cancelled", f"{s}: slow-{s}") for s in SERVERS}, after_cancel
    # direct: one list per server; gateway: one list merged across servers. Same tasks, same ids.
    assert by_server(listed) == {s: sorted([ids[s], slow_ids[s]]) for s in SERVERS}, listed
    assert sorted((t["statusMessage"], t["status"]) for t in listed) == sorted(
        [(f"{s}: quick-{s}", "completed") for s in SERVERS] + [(f"{s}: slow-{s}", "cancelled") for s in SERVERS]), listed


def altered_ids(task_id):
    """Ids one edit away from `task_id`: a sealed id's payload and MAC each get one character
    changed (never the MAC's last, whose low bits base64url may ignore), and it is truncated."""
    def flip(i):
        return task_id[:i] + ("B" if task_id[i] != "B" else "C") + task_id[i + 1:]
    if task_id.startswith("mcpgw."):
        return [flip(len("mcpgw.")), flip(task_id.rindex(".") + 5), task_id[:-2]]
    return [flip(0), task_id + "0", task_id[:-1]]


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_task_ids_from_another_session_altered_or_unknown_are_refused(stack, via):
    """Session A runs a task on alpha. Session B uses A's task id (copied) with tasks/get, result and
    cancel; A uses altered ids and an id nobody issued. All get -32602; through the gateway none
    reaches the server (the direct control: every one does, and the SDK-based server refuses it),
    and A's task is untouched by B's cancel."""
    def count(text):
        return json.loads(text)["count"] if text.startswith("{") else text

    with anyio.fail_after(TEST_TIMEOUT):
        async with httpx.AsyncClient(timeout=5) as http:
            a = await TaskPeer.open(stack, http, via)
            b = await TaskPeer.open(stack, http, via)
            before = count(await a.call_text("alpha", "unknown_task_lookups", {}))
            task_id = (await a.start("alpha", 30, "mine"))["taskId"]
            attempts = []
            for method in ("tasks/get", "tasks/result", "tasks/cancel"):
                attempts.append(("copied into session B", method, task_id, await b.request("alpha", method, {"taskId": task_id})))
            for altered in altered_ids(task_id):
                for method in ("tasks/get", "tasks/result", "tasks/cancel"):
                    attempts.append(("altered in session A", method, altered, await a.request("alpha", method, {"taskId": altered})))
            for unknown in ("task-999", "mcpgw.unknown"):
                attempts.append(("unknown in session A", "tasks/get", unknown, await a.request("alpha", "tasks/get", {"taskId": unknown})))
            still = await a.result("alpha", "tasks/get", {"taskId": task_id})
            own_cancel = await a.result("alpha", "tasks/cancel", {"taskId": task_id})
            after = count(await a.call_text("alpha", "unknown_task_lookups", {}))
    outcomes = [(what, method, tid, body.get("error", body.get("result"))) for what, method, tid, body in attempts]
    assert all(body.get("error", {}).get("code") == INVALID_PARAMS for *_, body in attempts), outcomes
    assert (still["taskId"], still["status"], still["statusMessage"]) == (task_id, "working", "alpha: mine"), still
    assert (own_cancel["taskId"], own_cancel["status"]) == (task_id, "cancelled"), own_cancel
    reached = after - before if isinstance(after, int) and isinstance(before, int) else (before, after)
    assert reached == (len(attempts) if via == "direct" else 0), (reached, outcomes)


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_task_status_notifications_carry_the_clients_task_ids(stack, via):
    """notifications/tasks/status (on the session's GET stream) names the task by the id the client
    got from tools/call, for alpha's and beta's colliding "task-N" alike."""
    inbox = Inbox()
    with anyio.fail_after(TEST_TIMEOUT):
        async with httpx.AsyncClient(timeout=httpx.Timeout(5, read=None)) as http:
            peer = await TaskPeer.open(stack, http, via)
            streams_open = anyio.Event()
            opened = []

            async def listen(session):
                async with http.stream("GET", session.url, headers={
                        "accept": "text/event-stream", "mcp-session-id": session.sid, "mcp-protocol-version": VERSION}) as r:
                    assert r.status_code == 200, await r.aread()
                    opened.append(session)
                    if len(opened) == len(peer.distinct_sessions()):
                        streams_open.set()
                    async for message in sse_messages(r):
                        inbox.add(message)

            def statuses():
                return {(m["params"].get("taskId"), m["params"].get("status"), m["params"].get("statusMessage"))
                        for m in inbox.messages if m.get("method") == "notifications/tasks/status"}

            async with anyio.create_task_group() as tg:
                for session in peer.distinct_sessions():
                    tg.start_soon(listen, session)
                await streams_open.wait()
                # the backend GET streams may open after the client's: start over if one went out before
                for attempt in range(3):
                    tasks = {s: await peer.start(s, 30, f"watched-{s}-{attempt}") for s in SERVERS}
                    for s in SERVERS:
                        await peer.result(s, "tasks/cancel", {"taskId": tasks[s]["taskId"]})
                    want = {(tasks[s]["taskId"], "cancelled", f"{s}: watched-{s}-{attempt}") for s in SERVERS}
                    if await inbox.wait_for(lambda: want <= statuses(), 1.5):
                        break
                tg.cancel_scope.cancel()
    assert want <= statuses(), (want, statuses())
    if via == "gateway":  # no server's own id leaks through
        assert all(tid.startswith("mcpgw.") for tid, _, _ in statuses()), statuses()


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_a_server_request_id_is_not_a_task_id(stack, via):
    """The gateway seals server->client request ids and task ids alike (`mcpgw.`), for different
    purposes: the id of an elicitation the client is answering must not open as a task id. Direct,
    the server sees the (unknown) id and refuses it; through the gateway it never reaches the server."""
    url = stack.url if via == "gateway" else stack.transparency["alpha"].url
    with anyio.fail_after(TEST_TIMEOUT):
        async with httpx.AsyncClient(timeout=5) as http:
            peer = TaskPeer(via, {s: await RawSession(http, url).open() for s in ("alpha",)})
            before = json.loads(await peer.call_text("alpha", "unknown_task_lookups", {}))["count"]
            session = peer.sessions["alpha"]
            async with http.stream("POST", url, headers=session.headers(), json={
                    "jsonrpc": "2.0", "id": 7, "method": "tools/call",
                    "params": {"name": peer.tool("alpha", "ask_name"), "arguments": {}}}) as call:
                messages = sse_messages(call)
                request = await messages.__anext__()
                assert request.get("method") == "elicitation/create", request
                eid = request["id"]
                as_task = str(eid)
                refused_ids = {m: await peer.request("alpha", m, {"taskId": as_task})
                               for m in ("tasks/get", "tasks/result", "tasks/cancel")}
                await session.post({"jsonrpc": "2.0", "id": eid, "result": {"action": "accept", "content": {"name": "Ada"}}})
                final = None
                async for message in messages:
                    if message.get("id") == 7:
                        final = message
                        break
            after = json.loads(await peer.call_text("alpha", "unknown_task_lookups", {}))["count"]
    assert final["result"]["content"][0]["text"] == "alpha: hello Ada", final
    if via == "gateway":
        assert as_task.startswith("mcpgw."), eid
    assert {m: b.get("error", {}).get("code") for m, b in refused_ids.items()} == {
        m: INVALID_PARAMS for m in refused_ids}, refused_ids
    assert after - before == (len(refused_ids) if via == "direct" else 0), (before, after, refused_ids)


# ------------------------------------------------------------------------------------------------
# what a client can make the gateway hold


async def wait_metric(stack, name, predicate, timeout=5):
    with anyio.move_on_after(timeout):
        while not predicate(stack.metric_value(name)):
            await anyio.sleep(0.05)  # polling the gateway's own gauge: there is no event to await
        return True
    return False


@pytest.mark.anyio
async def test_a_client_leaving_mid_elicitation_leaves_nothing_behind(stack):
    """The client goes away while the server waits for its elicitation answer: the relayed call,
    its thread and its server connection are released at once (the gauge returns to zero)."""
    asked = anyio.Event()

    async def elicit_then_leave(context, params):
        asked.set()
        await anyio.sleep(30)  # never answers; the test cancels the client first

    with anyio.fail_after(TEST_TIMEOUT):
        async with anyio.create_task_group() as tg:
            async def run_client():
                async with Client(stack.url, mode="legacy", elicitation_callback=elicit_then_leave) as client:
                    await client.call_tool("alpha_ask_name", {})
            tg.start_soon(run_client)
            await asked.wait()
            assert stack.metric_value("mcp_relayed_calls") >= 1
            tg.cancel_scope.cancel()
        assert await wait_metric(stack, "mcp_relayed_calls", lambda v: v == 0), "the relayed call was not released"
        assert await wait_metric(stack, "mcp_server_streams", lambda v: v == 0), "a server stream outlived its client"


@pytest.mark.anyio
async def test_clients_without_server_requests_keep_the_direct_path(stack):
    """Pay only where used: a client that declares no elicitation, sampling or roots is not relayed."""
    with anyio.fail_after(TEST_TIMEOUT):
        before = stack.metric_value("mcp_relayed_calls_total")
        async with Client(stack.url, mode="legacy") as client:
            result = await client.call_tool("alpha_whoami", {})
            assert json.loads(result.content[0].text)["capabilities"] == {}
        assert stack.metric_value("mcp_relayed_calls_total") == before
        # …while a client that accepts elicitation is relayed (the counter is not stuck).
        async with connect(stack, "gateway", Callbacks()) as peer:
            await peer.call("alpha", "whoami")
        assert stack.metric_value("mcp_relayed_calls_total") == before + 1


# ------------------------------------------------------------------------------------------------
# 2026-07-28 clients


async def tools_as_listed(stack, via, mode):
    """{server: its long_job entry} as a client of `mode` gets it, names unprefixed for comparison."""
    out = {}
    async with AsyncExitStack() as es:
        if via == "gateway":
            client = await es.enter_async_context(Client(stack.url, mode=mode))
            listed = (await client.list_tools()).tools
            for s in SERVERS:
                tool = next(t for t in listed if t.name == f"{s}_long_job")
                out[s] = tool.model_dump(mode="json", by_alias=True, exclude_none=True) | {"name": "long_job"}
        else:
            for s in SERVERS:
                client = await es.enter_async_context(Client(stack.transparency[s].url, mode=mode))
                tool = next(t for t in (await client.list_tools()).tools if t.name == "long_job")
                out[s] = tool.model_dump(mode="json", by_alias=True, exclude_none=True)
    return out


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_each_era_gets_the_catalog_as_the_server_lists_it_for_that_era(stack, via):
    """`execution.taskSupport` exists only before 2026-07-28: a 2026-07-28 client must not see it
    because a handshake-era session discovered the catalog, and a 2025-11-25 client must."""
    with anyio.fail_after(TEST_TIMEOUT):
        legacy = await tools_as_listed(stack, via, "legacy")
        modern = await tools_as_listed(stack, via, "auto")
        if via == "gateway":
            assert legacy == await tools_as_listed(stack, "direct", "legacy")
            assert modern == await tools_as_listed(stack, "direct", "auto")
    for s in SERVERS:
        assert legacy[s].get("execution") == {"taskSupport": "optional"}
        assert "execution" not in modern[s]


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_a_2026_listen_gets_resource_updates_with_its_own_uris(stack, via):
    """subscriptions/listen with resourceSubscriptions: acknowledged as asked, then each server's
    update arrives once, with the URI the client asked for."""
    with anyio.fail_after(TEST_TIMEOUT):
        async with AsyncExitStack() as es:
            if via == "gateway":
                client = await es.enter_async_context(Client(stack.url, mode="auto"))
                clients = {s: client for s in SERVERS}
                uris = {s: f"{s}+memo://{s}/note" for s in SERVERS}
                tool = {s: f"{s}_touch" for s in SERVERS}
            else:
                clients = {s: await es.enter_async_context(Client(stack.transparency[s].url, mode="auto")) for s in SERVERS}
                uris = {s: f"memo://{s}/note" for s in SERVERS}
                tool = {s: "touch" for s in SERVERS}
            subs = {}
            for s in SERVERS:
                if s in subs:
                    continue
                wanted = list(uris.values()) if via == "gateway" else [uris[s]]
                sub = await es.enter_async_context(clients[s].listen(resource_subscriptions=wanted))
                for other in (SERVERS if via == "gateway" else [s]):
                    subs[other] = sub
            for s in SERVERS:
                honoured = subs[s].honored
                assert uris[s] in list(honoured.resource_subscriptions or [])
            await anyio.sleep(0.3)  # the gateway opens its own listens on the servers after acknowledging
            for s in SERVERS:
                await clients[s].call_tool(tool[s], {})
            seen = set()
            for sub in {id(x): x for x in subs.values()}.values():  # one per server direct, one in all through the gateway
                with anyio.fail_after(5):
                    async for event in sub:
                        uri = str(getattr(event, "uri", ""))
                        if uri:
                            seen.add(uri)
                        if all(u in seen for u in uris.values() if via == "gateway" or u in [str(x) for x in sub.honored.resource_subscriptions]):
                            break
    assert seen == set(uris.values())


# ------------------------------------------------------------------------------------------------
# 2026-07-28 clients: the rows of the handshake-era matrix that exist in 2026-07-28
#
# `Client(mode="auto")` negotiates 2026-07-28 (server/discover) with both the servers and the
# gateway; every test first checks that it did (no silent fallback to a session). In 2026-07-28 a
# server never sends a request to the client: a tool that needs input answers with an
# `InputRequiredResult` and the client retries the call with `inputResponses` + `requestState`; the
# client's identity and capabilities ride `_meta` on every request; closing the call's response
# stream is its cancellation; log delivery is opted into per request (`_meta` logLevel).


MODERN = "2026-07-28"


@asynccontextmanager
async def connect_modern(stack, via, callbacks, **overrides):
    async with connect(stack, via, callbacks, mode="auto", **overrides) as peer:
        versions = {s: peer.clients[s].protocol_version for s in SERVERS}
        assert versions == {s: MODERN for s in SERVERS}, f"did not negotiate {MODERN}: {versions}"
        yield peer


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_2026_client_capabilities_and_info_reach_the_server_on_every_request(stack, via):
    """Two 2026-07-28 clients with different identities interleave calls: each request is seen with
    the clientInfo and capabilities of the client that sent it (no identity is remembered from an
    earlier request or shared between clients)."""
    async def seen(peer):
        return {s: json.loads(t) if t.startswith("{") else t for s, t in (await peer.both("whoami")).items()}

    with anyio.fail_after(TEST_TIMEOUT):
        async with connect_modern(stack, via, Callbacks()) as full, \
                connect_modern(stack, via, Callbacks(), client_info=types.Implementation(name="bare-client", version="1"),
                               elicitation_callback=None, sampling_callback=None, list_roots_callback=None) as bare:
            rounds = [(await seen(full), await seen(bare)) for _ in range(2)]
        if via == "gateway":  # agree with the control, field for field
            async with connect_modern(stack, "direct", Callbacks()) as control:
                assert rounds[0][0] == await seen(control)
    for full_seen, bare_seen in rounds:
        for s in SERVERS:
            assert full_seen[s] == {"server": s, "protocolVersion": MODERN, "capabilities": FULL_CAPABILITIES,
                                    "clientInfo": {"name": CLIENT_INFO.name, "version": CLIENT_INFO.version}}, full_seen
            assert bare_seen[s] == {"server": s, "protocolVersion": MODERN, "capabilities": {},
                                    "clientInfo": {"name": "bare-client", "version": "1"}}, bare_seen


INPUT_REQUIRED = {
    # tool: (arguments for server s, expected text from server s, the input request the client must answer)
    "resolve_name": (lambda s: {}, lambda s: f"{s}: hello Ada-{s} ({MODERN})", "elicitation/create"),
    "resolve_model": (lambda s: {"prompt": f"question for {s}"},
                      lambda s: f"{s}: model said answer to question for {s} ({MODERN})", "sampling/createMessage"),
    "resolve_roots": (lambda s: {}, lambda s: f"{s}: roots {json.dumps(ROOTS)} ({MODERN})", "roots/list"),
}


@pytest.mark.anyio
@pytest.mark.parametrize("tool", list(INPUT_REQUIRED))
@pytest.mark.parametrize("via", VIAS)
async def test_2026_input_required_round_trip_during_a_call(stack, via, tool):
    """alpha and beta each answer the first round with an InputRequiredResult (same input request
    keys on both servers); the client answers both at once and retries; each tool's result carries
    the answer meant for its own server."""
    args, expected, method = INPUT_REQUIRED[tool]
    cb = Callbacks()
    with anyio.fail_after(TEST_TIMEOUT):
        async with connect_modern(stack, via, cb) as peer:
            got = await peer.both(tool, args)
    assert got == {s: expected(s) for s in SERVERS}, f"input requests the client answered: {cb.asked}"
    assert sorted(m for m, _ in cb.asked) == [method] * len(SERVERS), cb.asked
    if tool in ("resolve_name", "resolve_model"):
        assert sorted(server for _, server in cb.asked) == sorted(SERVERS), cb.asked
        assert cb.overlapped, "alpha's and beta's input requests were never pending at the same time"


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_2026_closing_the_call_stream_cancels_the_call_on_its_server(stack, via):
    """Cancelling the awaiting scope makes the 2026-07-28 SDK client close the call's response
    stream (it POSTs no notifications/cancelled); the server that runs the call must see the
    cancellation - through the gateway too - and the call must not finish."""
    with anyio.fail_after(TEST_TIMEOUT):
        async with connect_modern(stack, via, Callbacks()) as peer:
            await cancel_slow_calls_on_both(peer)


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_2026_log_level_in_meta_selects_the_log_messages_of_the_call(stack, via):
    """`emit_logs` logs debug, info, warning and error on its call's stream. A 2026-07-28 client that
    opts in at "warning" (`_meta` logLevel on each request) gets exactly warning and error from
    each server; one that does not opt in gets none."""
    quiet, loud = Callbacks(), Callbacks()
    with anyio.fail_after(TEST_TIMEOUT):
        async with connect_modern(stack, via, quiet) as peer:
            quiet_sent = await peer.both("emit_logs")
        async with connect_modern(stack, via, loud, log_level="warning") as peer:
            loud_sent = await peer.both("emit_logs")
            await loud.wait_for(lambda: all((("error", f"{s}: error message") in loud.logs) for s in SERVERS), 4)
    # the tool cannot see the filter (the SDK applies it): it reports what it tried to send
    assert quiet_sent == loud_sent == {s: f"{s}: sent debug,info,warning,error" for s in SERVERS}, (quiet_sent, loud_sent)
    assert {s: [lvl for lvl, data in loud.logs if str(data).startswith(f"{s}:")] for s in SERVERS} == {
        s: ["warning", "error"] for s in SERVERS}, loud.logs
    assert quiet.logs == [], quiet.logs


@pytest.mark.anyio
@pytest.mark.parametrize("via", VIAS)
async def test_2026_progress_notifications_arrive_in_the_call_stream(stack, via):
    """`count_progress` reports 1..3 of 3; each call's progress callback gets its own server's, in order."""
    progress = {s: [] for s in SERVERS}
    with anyio.fail_after(TEST_TIMEOUT):
        async with connect_modern(stack, via, Callbacks()) as peer:
            async def one(server):
                async def on_progress(value, total, message):
                    progress[server].append((value, total, message))
                result = await peer.clients[server].call_tool(peer.tool(server, "count_progress"), {"steps": 3},
                                                              progress_callback=on_progress)
                return result.content[0].text

            texts = {}

            async def run(server):
                texts[server] = await one(server)

            async with anyio.create_task_group() as tg:
                for s in SERVERS:
                    tg.start_soon(run, s)
    assert texts == {s: f"{s}: counted 3" for s in SERVERS}, texts
    assert progress == {s: [(i, 3, f"{s} step {i}") for i in (1, 2, 3)] for s in SERVERS}, progress


@pytest.mark.anyio
async def test_servers_that_do_not_answer_hold_no_gateway_thread(stack):
    """Twenty relayed calls wait at once on servers that take their time (as a server that never
    answers would): the gateway waits on its event loops, so its thread count does not grow with
    them; and they all complete."""
    calls = 20
    with anyio.fail_after(TEST_TIMEOUT):
        async with connect(stack, "gateway", Callbacks()) as peer:
            client = peer.clients["alpha"]
            await peer.call("alpha", "whoami")  # sessions open, connections pooled
            baseline = stack.metric_value("process_threads")
            results = []

            async def one(i):
                server = SERVERS[i % 2]
                results.append(await peer.call(server, "slow", {"seconds": 2.5}))

            async with anyio.create_task_group() as tg:
                for i in range(calls):
                    tg.start_soon(one, i)
                assert await wait_metric(stack, "mcp_relayed_calls", lambda v: v >= calls), "the calls were not all relayed at once"
                during = stack.metric_value("process_threads")
            assert len(results) == calls and all("slept" in r for r in results), results
    assert during - baseline < 5, f"{during - baseline} more threads while {calls} relayed calls waited"


@pytest.mark.anyio
@pytest.mark.parametrize("capable", [False, True])
async def test_relayed_calls_carry_the_clients_credentials_as_the_direct_path_does(tmp_path, capable):
    """A server configured with forwardAuthorization gets the client's own Authorization on every call,
    relayed (client accepts elicitation) or not, and never the gateway's own discovery credential;
    another server gets neither the client's token nor its cookies."""
    import os
    os.environ["TRANSPARENCY_GATEWAY_CREDENTIAL"] = "gateway-secret"
    makers = {"alpha": lambda: TransparencyServer("alpha", tmp_path), "beta": lambda: TransparencyServer("beta", tmp_path)}
    servers = {n: make() for n, make in makers.items()}
    try:
        stack = FederatedStack(tmp_path, extra_servers=[
            {"name": "alpha", "url": servers["alpha"].url, "forwardAuthorization": True,
             "credentials": {"header": "x-gateway-credential", "valueFromEnv": "TRANSPARENCY_GATEWAY_CREDENTIAL"}},
            {"name": "beta", "url": servers["beta"].url}])
        try:
            stack.wait_for_tools(["alpha_seen_headers", "beta_seen_headers"])
            cb = Callbacks()
            kwargs = cb.client_kwargs() if capable else dict(mode="legacy")
            with anyio.fail_after(TEST_TIMEOUT):
                import httpx2
                from mcp.client.streamable_http import streamable_http_client
                async with httpx2.AsyncClient(headers={"authorization": "Bearer client-token", "cookie": "c=1"}) as http:
                    async with Client(streamable_http_client(stack.url, http_client=http), **kwargs) as client:
                        seen = {s: json.loads((await client.call_tool(f"{s}_seen_headers", {})).content[0].text) for s in ("alpha", "beta")}
                        relayed = stack.metric_value("mcp_relayed_calls_total")
        finally:
            stack.stop()
    finally:
        for s in servers.values():
            s.stop()
    assert (relayed > 0) == capable
    assert seen["alpha"]["authorization"] == "Bearer client-token"
    assert seen["alpha"]["x-gateway-credential"] is None, "the gateway's own credential never rides on a client's call"
    assert seen["beta"] == {"authorization": None, "cookie": None, "x-gateway-credential": None}
