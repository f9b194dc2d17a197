#!/usr/bin/env python3
"""A real MCP server (official SDK, streamable HTTP, STATEFUL sessions) that exercises everything
that happens *after* a call starts, so tests can check a gateway is transparent to it:
server->client requests inside a call (elicitation, sampling, roots, ping), cancellation, logging
with `logging/setLevel`, `resources/subscribe` + `notifications/resources/updated`, and a
server->client request on the standalone GET stream outside any call. For 2026-07-28 clients
(sessionless; no server->client requests) `resolve_name`/`resolve_model`/`resolve_roots` ask through
`Resolve(...)`, which becomes an `InputRequiredResult` round trip, and `count_progress` reports
progress on the call's stream; `whoami`, `slow`, `emit_logs` and `touch` serve both eras.

Run:  python tests/transparency_server.py --port 9201 --name alpha
Serves MCP at /mcp and GET /healthz. Every tool's text starts with "<name>:" (or carries
"server": <name>) so a test can tell two instances apart behind one gateway.

Written against `mcp` 2.3.0. Notes on that SDK that shaped this file:
* `ctx.session.list_roots()` / `send_ping()` / `send_resource_updated()` without a
  `related_request_id` go out on the session's standalone channel (the GET stream); with one they
  ride the POST's SSE stream. Tools meant to test "during a call" pass it explicitly.
* On handshake-era versions the SDK server sends every `notifications/message` regardless of
  `logging/setLevel` ("filtering is the application's handler's job"), and MCPServer registers no
  `logging/setLevel` handler: we register one that stores the level per session and filter here.
* MCPServer has no `resources/subscribe` handler either; registering ours also makes the legacy
  `initialize` result advertise `resources.subscribe: true`.
* A message for the standalone stream while no GET stream is connected is dropped by the
  transport; background requests therefore carry a timeout.
* 2025-11-25 tasks exist in `mcp_types` as types only: the SDK neither dispatches `tasks/*` nor
  advertises the capability, and it sieves a `tools/call` result through `CallToolResult` (which
  would reject a `CreateTaskResult`). A server middleware therefore answers task-augmented
  `tools/call`, `tasks/get|result|list|cancel` itself, and `get_capabilities` is wrapped.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import sys
import weakref
from typing import Annotated, Any

import anyio
import mcp_types as types
import uvicorn
from asgi_body import read_body, replaying
from era_pinning import pinned
from mcp.server.connection import Connection
from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.resolve import Elicit, ListRoots, Resolve, Sample
from mcp.shared.exceptions import MCPError
from mcp.shared.message import ServerMessageMetadata
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "servers"))
from _common import setup_logging  # noqa: E402

LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=9201)
parser.add_argument("--name", default="alpha", help="server name, echoed in every tool result")
parser.add_argument("--era", choices=["modern", "handshake"], default=None,
                    help="speak only this protocol era (tests/era_pinning.py); default: both")
parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
args = parser.parse_args()
NAME: str = args.name
NOTE_URI = f"memo://{NAME}/note"

mcp: MCPServer[Any] = MCPServer(NAME, version="1.0.0", instructions=f"transparency test server {NAME}")


def connection_of(ctx: Context | ServerRequestContext) -> Connection:
    # SDK 2.3.0 has no public handle on the per-session Connection from a request context;
    # ServerSession keeps it as `_connection` (examples/servers/_common.py relies on it too).
    return ctx.session._connection  # noqa: SLF001


def in_call(ctx: Context) -> ServerMessageMetadata:
    """Metadata that routes a server->client request onto this call's own SSE stream."""
    return ServerMessageMetadata(related_request_id=ctx.request_context.request_id)


# ------------------------------------------------------------------------------------------------
# who is calling


@mcp.tool()
async def whoami(ctx: Context) -> str:
    """What this server saw in `initialize`: the client's capabilities, clientInfo, protocol version."""
    params = ctx.session.client_params
    return json.dumps({
        "server": NAME,
        "protocolVersion": ctx.session.protocol_version,
        "clientInfo": params.client_info.model_dump(by_alias=True, mode="json", exclude_none=True) if params else None,
        "capabilities": params.capabilities.model_dump(by_alias=True, mode="json", exclude_none=True) if params else None,
    }, sort_keys=True)


@mcp.tool()
async def seen_headers(ctx: Context) -> str:
    """The credential headers this call arrived with (to check what the gateway forwards)."""
    request = getattr(ctx.request_context, "request", None)
    headers = getattr(request, "headers", {}) or {}
    return json.dumps({name: headers.get(name) for name in ("authorization", "cookie", "x-gateway-credential")}, sort_keys=True)


TALLIES: dict[str, int] = {}


@mcp.tool()
async def tally(ctx: Context) -> str:
    """A per-session counter (stateful-server material): one session sees 1, 2, 3...; a client whose
    calls reach two sessions sees its count split."""
    request = getattr(ctx.request_context, "request", None)
    session = (getattr(request, "headers", {}) or {}).get("mcp-session-id", "")
    TALLIES[session] = TALLIES.get(session, 0) + 1
    return json.dumps({"server": NAME, "session": session, "count": TALLIES[session]})


# ------------------------------------------------------------------------------------------------
# server->client requests during a call (on the POST's SSE stream)


class NameForm(BaseModel):
    name: str


@mcp.tool()
async def ask_name(ctx: Context) -> str:
    """Elicits a name (form mode); the message names this server so a client can answer per server."""
    result = await ctx.elicit(f"{NAME}: what is your name?", NameForm)
    if result.action == "accept":
        return f"{NAME}: hello {result.data.name}"
    return f"{NAME}: {result.action}"


@mcp.tool()
async def ask_model(prompt: str, ctx: Context) -> str:
    """sampling/createMessage with `prompt`; returns what the client's model said."""
    result = await ctx.session.create_message(
        messages=[types.SamplingMessage(role="user", content=types.TextContent(type="text", text=prompt))],
        max_tokens=64,
        related_request_id=ctx.request_context.request_id,
    )
    text = result.content.text if isinstance(result.content, types.TextContent) else repr(result.content)
    return f"{NAME}: model said {text}"


@mcp.tool()
async def show_roots(ctx: Context) -> str:
    """roots/list on this call's stream; returns the root URIs as a JSON list."""
    result = await ctx.session.send_request(types.ListRootsRequest(), types.ListRootsResult, metadata=in_call(ctx))
    return f"{NAME}: roots " + json.dumps([str(r.uri) for r in result.roots])


@mcp.tool()
async def ping_client(ctx: Context) -> str:
    """Pings the client on this call's stream."""
    await ctx.session.send_request(types.PingRequest(), types.EmptyResult, metadata=in_call(ctx))
    return f"{NAME}: pong"


# ------------------------------------------------------------------------------------------------
# the same requests, era-adaptive (`Resolve(...)`): a server->client request on the call's stream up
# to 2025-11-25; on 2026-07-28 (no back-channel: `ctx.elicit` raises there) an `InputRequiredResult`
# whose `inputRequests` the client answers by retrying the call with `inputResponses` + `requestState`


def _ask_name_resolver() -> Elicit[NameForm]:
    return Elicit(f"{NAME}: what is your name?", NameForm)


def _ask_model_resolver(prompt: str) -> Sample:
    return Sample([types.SamplingMessage(role="user", content=types.TextContent(type="text", text=prompt))],
                  max_tokens=64)


def _roots_resolver() -> ListRoots:
    return ListRoots()


@mcp.tool()
async def resolve_name(answer: Annotated[NameForm, Resolve(_ask_name_resolver)], ctx: Context) -> str:
    """Elicits a name (form mode) via Resolve; says which round answered and which protocol version."""
    return f"{NAME}: hello {answer.name} ({ctx.protocol_version})"


@mcp.tool()
async def resolve_model(prompt: str, answer: Annotated[types.CreateMessageResult, Resolve(_ask_model_resolver)],
                        ctx: Context) -> str:
    """sampling/createMessage with `prompt` via Resolve; returns what the client's model said."""
    text = answer.content.text if isinstance(answer.content, types.TextContent) else repr(answer.content)
    return f"{NAME}: model said {text} ({ctx.protocol_version})"


@mcp.tool()
async def resolve_roots(answer: Annotated[types.ListRootsResult, Resolve(_roots_resolver)], ctx: Context) -> str:
    """roots/list via Resolve; returns the root URIs as a JSON list."""
    return f"{NAME}: roots " + json.dumps([str(r.uri) for r in answer.roots]) + f" ({ctx.protocol_version})"


class Measure(BaseModel):
    label: str
    length: int


@mcp.tool()
async def measure(text: str) -> Measure:
    """Structured output (outputSchema + structuredContent): the text's length."""
    return Measure(label=f"{NAME}:{text}", length=len(text))


# ------------------------------------------------------------------------------------------------
# progress on the call's stream


@mcp.tool()
async def count_progress(ctx: Context, steps: int = 3) -> str:
    """Reports progress 1..steps of `steps` (message "<name> step i") on this call's stream."""
    for i in range(1, min(steps, 20) + 1):
        await ctx.report_progress(i, steps, f"{NAME} step {i}")
    return f"{NAME}: counted {steps}"


# ------------------------------------------------------------------------------------------------
# cancellation


SLOW = {"started": 0, "cancelled": 0, "finished": 0}
_slow_changed = anyio.Event()


def _slow_bump(key: str) -> None:
    global _slow_changed
    SLOW[key] += 1
    _slow_changed.set()
    _slow_changed = anyio.Event()


@mcp.tool()
async def slow(seconds: float = 8.0) -> str:
    """Sleeps; a `notifications/cancelled` for this call interrupts it (counted in `cancelled_calls`)."""
    _slow_bump("started")
    try:
        await anyio.sleep(min(seconds, 60.0))
    except anyio.get_cancelled_exc_class():
        _slow_bump("cancelled")
        raise
    _slow_bump("finished")
    return f"{NAME}: slept {seconds}"


@mcp.tool()
async def cancelled_calls(min_started: int = 0, min_cancelled: int = 0, wait_seconds: float = 0.0) -> str:
    """Counts of `slow` calls (JSON); waits up to wait_seconds for the given minimums (no client polling)."""
    with anyio.move_on_after(wait_seconds):
        while SLOW["started"] < min_started or SLOW["cancelled"] < min_cancelled:
            await _slow_changed.wait()
    return json.dumps({"server": NAME, **SLOW})


# ------------------------------------------------------------------------------------------------
# notifications/roots/list_changed from the client


ROOTS_CHANGED = {"count": 0}
_roots_changed = anyio.Event()


async def on_roots_changed(ctx: ServerRequestContext, params: types.NotificationParams) -> None:
    global _roots_changed
    ROOTS_CHANGED["count"] += 1
    _roots_changed.set()
    _roots_changed = anyio.Event()


mcp._lowlevel_server.add_notification_handler(  # noqa: SLF001
    "notifications/roots/list_changed", types.NotificationParams, on_roots_changed)


@mcp.tool()
async def roots_changed(min_count: int = 0, wait_seconds: float = 0.0) -> str:
    """How many notifications/roots/list_changed reached this server (JSON), waiting for min_count."""
    with anyio.move_on_after(wait_seconds):
        while ROOTS_CHANGED["count"] < min_count:
            await _roots_changed.wait()
    return json.dumps({"server": NAME, **ROOTS_CHANGED})


# ------------------------------------------------------------------------------------------------
# logging/setLevel, applied per session


async def set_level(ctx: ServerRequestContext, params: types.SetLevelRequestParams) -> types.EmptyResult:
    connection_of(ctx).state["log_level"] = params.level
    return types.EmptyResult()


mcp._lowlevel_server.add_request_handler("logging/setLevel", types.SetLevelRequestParams, set_level)  # noqa: SLF001


@mcp.tool()
async def emit_logs(ctx: Context) -> str:
    """Logs at debug, info, warning, error (on this call's stream), dropping those below the session's level."""
    threshold = LEVELS.index(connection_of(ctx).state.get("log_level", "debug"))
    sent = []
    for level in ("debug", "info", "warning", "error"):
        if LEVELS.index(level) >= threshold:
            await ctx.log(level, f"{NAME}: {level} message")
            sent.append(level)
    return f"{NAME}: sent " + ",".join(sent)


# ------------------------------------------------------------------------------------------------
# resources/subscribe + notifications/resources/updated (on the standalone GET stream)


SUBSCRIPTIONS: weakref.WeakKeyDictionary[Connection, set[str]] = weakref.WeakKeyDictionary()
NOTE = {"version": 0}


@mcp.resource(NOTE_URI, name="note", mime_type="text/plain")
def note() -> str:
    return f"{NAME} note v{NOTE['version']}"


async def subscribe(ctx: ServerRequestContext, params: types.SubscribeRequestParams) -> types.EmptyResult:
    SUBSCRIPTIONS.setdefault(connection_of(ctx), set()).add(str(params.uri))
    return types.EmptyResult()


async def unsubscribe(ctx: ServerRequestContext, params: types.UnsubscribeRequestParams) -> types.EmptyResult:
    SUBSCRIPTIONS.get(connection_of(ctx), set()).discard(str(params.uri))
    return types.EmptyResult()


mcp._lowlevel_server.add_request_handler("resources/subscribe", types.SubscribeRequestParams, subscribe)  # noqa: SLF001
mcp._lowlevel_server.add_request_handler("resources/unsubscribe", types.UnsubscribeRequestParams, unsubscribe)  # noqa: SLF001


@mcp.tool()
async def touch(ctx: Context) -> str:
    """Changes the note and sends notifications/resources/updated to every session subscribed to it
    (handshake era), and publishes it to 2026-07-28 `subscriptions/listen` streams."""
    NOTE["version"] += 1
    notified = 0
    for conn, uris in list(SUBSCRIPTIONS.items()):
        if NOTE_URI in uris:
            await conn.send_resource_updated(NOTE_URI)
            notified += 1
    await ctx.notify_resource_updated(NOTE_URI)
    return f"{NAME}: touched {NOTE_URI} (v{NOTE['version']}), notified {notified}"


# ------------------------------------------------------------------------------------------------
# a server->client request outside any call (standalone GET stream)


BACKGROUND: dict[str, Any] = {}
_background_done: dict[str, anyio.Event] = {}
_tasks: set[asyncio.Task[None]] = set()


@mcp.tool()
async def roots_later(token: str, ctx: Context, delay: float = 0.3) -> str:
    """Returns at once; `delay` s later asks the client roots/list on the standalone stream (answer in
    `last_background_roots(token)`)."""
    conn = connection_of(ctx)
    _background_done[token] = anyio.Event()

    async def ask() -> None:
        await anyio.sleep(delay)
        try:
            with anyio.fail_after(5):
                result = await conn.send_request(types.ListRootsRequest())
            BACKGROUND[token] = {"roots": [str(r.uri) for r in result.roots]}
        except Exception as exc:  # noqa: BLE001 - recorded for the test to see
            BACKGROUND[token] = {"error": f"{type(exc).__name__}: {exc}"}
        _background_done[token].set()

    # The request outlives the tool call, so it cannot live in the call's task group. uvicorn runs
    # asyncio; keep a strong reference so the task is not garbage-collected mid-flight.
    task = asyncio.get_running_loop().create_task(ask())
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return f"{NAME}: will ask roots in {delay}s"


@mcp.tool()
async def last_background_roots(token: str, wait_seconds: float = 6.0) -> str:
    """The answer to `roots_later(token)` (JSON), waiting up to wait_seconds for it."""
    done = _background_done.get(token)
    if done is not None:
        with anyio.move_on_after(wait_seconds):
            await done.wait()
    return json.dumps({"server": NAME, **BACKGROUND.get(token, {"error": "no answer yet"})})


# ------------------------------------------------------------------------------------------------
# 2025-11-25 tasks: task-augmented tools/call, tasks/get|result|list|cancel, notifications/tasks/status
#
# Tasks live per session (the Connection) and are numbered "task-1", "task-2", ... in each session,
# so two servers (or two sessions) hand out the same ids: a gateway must keep them apart.


TASK_TOOLS = {"long_job"}  # tools declaring execution.taskSupport = "optional"
TASK_CAPABILITY = types.ServerTasksCapability(
    list=types.TasksListCapability(), cancel=types.TasksCancelCapability(),
    requests=types.ServerTasksRequestsCapability(tools=types.TasksToolsCapability(call=types.TasksCallCapability())))
TERMINAL = {"completed", "failed", "cancelled"}
RELATED_TASK = "io.modelcontextprotocol/related-task"
UNKNOWN_TASK_LOOKUPS: list[tuple[str, str]] = []  # (method, taskId) of tasks/* naming no task of the session


@mcp.tool()
async def long_job(seconds: float = 1.0, label: str = "job") -> str:
    """Sleeps `seconds` (at most 60), then says it is done; may run as a task (taskSupport optional)."""
    await anyio.sleep(min(seconds, 60.0))
    return f"{NAME}: done {label}"


@mcp.tool()
async def unknown_task_lookups() -> str:
    """How many tasks/get|result|cancel requests reached this server with a task id unknown to the session."""
    return json.dumps({"server": NAME, "count": len(UNKNOWN_TASK_LOOKUPS), "ids": [i for _, i in UNKNOWN_TASK_LOOKUPS]})


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TaskRecord:
    def __init__(self, task_id: str, ttl: int | None, label: str) -> None:
        self.task_id, self.ttl = task_id, ttl
        self.status = "working"
        self.status_message = f"{NAME}: {label}"
        self.created_at = self.last_updated_at = _now()
        self.result: dict[str, Any] | None = None
        self.error: dict[str, Any] | None = None
        self.done = anyio.Event()
        self.runner: asyncio.Task[None] | None = None

    def fields(self) -> dict[str, Any]:
        return {"taskId": self.task_id, "status": self.status, "statusMessage": self.status_message,
                "createdAt": self.created_at, "lastUpdatedAt": self.last_updated_at, "ttl": self.ttl,
                "pollInterval": 100}

    def finish(self, status: str) -> bool:
        if self.status in TERMINAL:
            return False
        self.status, self.last_updated_at = status, _now()
        self.done.set()
        return True


def _session_tasks(conn: Connection) -> dict[str, TaskRecord]:
    return conn.state.setdefault("tasks", {})


def _spawn(coro) -> None:
    task = asyncio.get_running_loop().create_task(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def _notify_status(conn: Connection, record: TaskRecord) -> None:
    """notifications/tasks/status on the standalone stream (dropped by the SDK when none is open)."""
    with anyio.move_on_after(2):
        await conn.notify("notifications/tasks/status", record.fields())


async def _create_task(ctx: ServerRequestContext, params: dict[str, Any]) -> dict[str, Any]:
    name, arguments = params.get("name"), params.get("arguments") or {}
    if name not in TASK_TOOLS:
        raise MCPError(types.INVALID_PARAMS, f"Tool {name} does not support task-augmented execution")
    conn = connection_of(ctx)
    tasks = _session_tasks(conn)
    record = TaskRecord(f"task-{len(tasks) + 1}", (params.get("task") or {}).get("ttl"), str(arguments.get("label", "job")))
    tasks[record.task_id] = record

    async def run() -> None:
        try:
            result = await mcp.call_tool(name, arguments)
            record.result = result.model_dump(by_alias=True, mode="json", exclude_none=True)
            record.result.pop("resultType", None)  # a 2026-07-28 field; this is a 2025-11-25 wire
            status = "failed" if record.result.get("isError") else "completed"
        except asyncio.CancelledError:
            return  # tasks/cancel already marked it (and notifies)
        except Exception as exc:  # noqa: BLE001 - the task fails, the server goes on
            record.error = {"code": types.INTERNAL_ERROR, "message": f"{type(exc).__name__}: {exc}"}
            status = "failed"
        if record.finish(status):
            await _notify_status(conn, record)

    record.runner = asyncio.get_running_loop().create_task(run())
    _tasks.add(record.runner)
    record.runner.add_done_callback(_tasks.discard)
    return {"task": record.fields()}


def _lookup(ctx: ServerRequestContext, method: str, params: dict[str, Any]) -> TaskRecord:
    task_id = params.get("taskId")
    record = _session_tasks(connection_of(ctx)).get(task_id) if isinstance(task_id, str) else None
    if record is None:
        UNKNOWN_TASK_LOOKUPS.append((method, str(task_id)))
        raise MCPError(types.INVALID_PARAMS, f"Unknown task: {task_id}")
    return record


async def tasks_middleware(ctx: ServerRequestContext, call_next):
    method, params = ctx.method, dict(ctx.params or {})
    if method == "tools/call" and params.get("task") is not None:
        return await _create_task(ctx, params)
    if method == "tools/list":
        result = await call_next(ctx)
        # `execution` exists only up to 2025-11-25 (2026-07-28 moved tasks to an extension): a
        # server lists it for handshake-era clients only, and the gateway must keep the eras apart.
        if ctx.protocol_version != "2026-07-28":
            for tool in result.get("tools", []):
                if tool.get("name") in TASK_TOOLS:
                    tool["execution"] = {"taskSupport": "optional"}
        return result
    if method == "tasks/list":
        return {"tasks": [r.fields() for r in _session_tasks(connection_of(ctx)).values()]}
    if method == "tasks/get":
        return _lookup(ctx, method, params).fields()
    if method == "tasks/cancel":
        record = _lookup(ctx, method, params)
        if record.status in TERMINAL:
            raise MCPError(types.INVALID_PARAMS, f"Task {record.task_id} is already {record.status}")
        record.finish("cancelled")
        if record.runner is not None:
            record.runner.cancel()
        _spawn(_notify_status(connection_of(ctx), record))
        return record.fields()
    if method == "tasks/result":
        record = _lookup(ctx, method, params)
        await record.done.wait()
        if record.result is None:
            raise MCPError(**(record.error or {"code": types.INVALID_PARAMS, "message": f"Task {record.task_id} was {record.status}"}))
        meta = {**record.result.get("_meta", {}), RELATED_TASK: {"taskId": record.task_id}}
        return {**record.result, "_meta": meta}
    return await call_next(ctx)


mcp._lowlevel_server.middleware.append(tasks_middleware)  # noqa: SLF001
_sdk_capabilities = mcp._lowlevel_server.get_capabilities  # noqa: SLF001


def _capabilities_with_tasks(*args: Any, **kwargs: Any) -> types.ServerCapabilities:
    return _sdk_capabilities(*args, **kwargs).model_copy(update={"tasks": TASK_CAPABILITY})


mcp._lowlevel_server.get_capabilities = _capabilities_with_tasks  # noqa: SLF001


# ------------------------------------------------------------------------------------------------
# what reached this server: JSON-RPC *responses* POSTed by clients (to prove forged ones never do)


RESPONSES_SEEN: list[str] = []


@mcp.tool()
async def responses_seen(marker: str) -> str:
    """How many JSON-RPC responses POSTed to this server contained `marker`."""
    return json.dumps({"server": NAME, "count": sum(marker in body for body in RESPONSES_SEEN)})


def record_posted_responses(app):
    """ASGI wrapper: remembers POST bodies that are JSON-RPC responses (have result/error, no method)."""

    async def wrapper(scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST":
            return await app(scope, receive, send)
        body = await read_body(receive)
        try:
            msg = json.loads(body)
            if isinstance(msg, dict) and "method" not in msg and ("result" in msg or "error" in msg):
                RESPONSES_SEEN.append(body.decode())
        except ValueError:
            pass
        return await app(scope, replaying(body, receive), send)

    return wrapper


# ------------------------------------------------------------------------------------------------
# structured output, and an elicitation whose cancellation is counted (abandoned input-required)


class Weather(BaseModel):
    city: str
    celsius: float


@mcp.tool()
async def weather(city: str) -> Weather:
    """Structured output (outputSchema + structuredContent); the city is prefixed with this server's name."""
    return Weather(city=f"{NAME}:{city}", celsius=21.5)


ASKS = {"started": 0, "cancelled": 0}


@mcp.tool()
async def ask_name_counted(ctx: Context) -> str:
    """ask_name, counting starts and cancellations (asks_counted)."""
    ASKS["started"] += 1
    try:
        return await ask_name(ctx)
    except anyio.get_cancelled_exc_class():
        ASKS["cancelled"] += 1
        raise


@mcp.tool()
async def asks_counted(min_cancelled: int = 0, wait_seconds: float = 0.0) -> str:
    """ask_name_counted's counts (JSON), waiting up to wait_seconds for min_cancelled."""
    with anyio.move_on_after(wait_seconds):
        while ASKS["cancelled"] < min_cancelled:
            await anyio.sleep(0.05)
    return json.dumps({"server": NAME, **ASKS})


@mcp.custom_route("/healthz", methods=["GET"])
async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "server": NAME})


if __name__ == "__main__":
    setup_logging(args.log_level)
    app = mcp.streamable_http_app(streamable_http_path="/mcp", host=args.host)
    config = uvicorn.Config(pinned(record_posted_responses(app), args.era), host=args.host, port=args.port, log_level="warning",
                            log_config=None, lifespan="on", timeout_graceful_shutdown=2)
    anyio.run(uvicorn.Server(config).serve)
