"""Shared plumbing for the example MCP servers (calculus.py, physics.py).

Written against the official Python SDK `mcp` 2.3.0 (`mcp.server.mcpserver.MCPServer`).
Nothing here is calculus- or physics-specific:

* command line (`--host/--port/--path/--json-response/--stateless/--enable-dynamic-tools/...`),
* stderr logging with one "listening on" line once the socket is bound (also with `--port 0`),
* `ListChangedHub`: advertises `listChanged: true` for tools/prompts/resources on every protocol
  revision and delivers `notifications/*/list_changed` to BOTH eras:
    - 2026-07-28 clients: published on an `InMemorySubscriptionBus` that feeds the SDK's
      `subscriptions/listen` handler;
    - handshake-era clients (2024-11-05 .. 2025-11-25, stateful sessions): sent on each
      session's standalone GET SSE stream. SDK 2.3.0 keeps no public registry of sessions,
      so a server middleware remembers every legacy `Connection` it sees (weakly).
* runtime tool add/remove (`--enable-dynamic-tools`): MCP tools `admin_add_tool` /
  `admin_remove_tool` / `admin_notify_tools_changed` and an HTTP side door on the same
  uvicorn app: `GET|POST /admin/tools`, `DELETE /admin/tools/{name}`,
  `POST /admin/notify[?kind=tools|prompts|resources]`.
* `GET /healthz` (always on) and the MCP endpoint served at both `/mcp` and `/mcp/`.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import weakref
from collections.abc import Callable
from typing import Any

import anyio
import uvicorn
from mcp.server.connection import Connection
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.lowlevel.server import NotificationOptions
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from mcp.server.subscriptions import (
    InMemorySubscriptionBus,
    PromptsListChanged,
    ResourcesListChanged,
    ToolsListChanged,
)
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types import CallToolResult, TextContent
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

log = logging.getLogger("examples")

TOOL_NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


# --------------------------------------------------------------------------------------------
# command line + logging


def build_arg_parser(prog: str, description: str, default_port: int) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=description)
    p.add_argument("--host", default="127.0.0.1", help="bind address (default: %(default)s)")
    p.add_argument(
        "--port", type=int, default=default_port, help="TCP port, 0 = pick a free one (default: %(default)s)"
    )
    p.add_argument("--path", default="/mcp", help="MCP endpoint path; PATH/ is served too (default: %(default)s)")
    p.add_argument(
        "--json-response",
        action="store_true",
        help="answer POSTs with application/json instead of an SSE stream (request-scoped progress is dropped)",
    )
    p.add_argument(
        "--stateless",
        action="store_true",
        help="handshake-era requests get no Mcp-Session-Id and no GET stream (2026-07-28 is always sessionless)",
    )
    p.add_argument(
        "--enable-dynamic-tools",
        action="store_true",
        help="add admin_* tools and the /admin/* HTTP endpoints that add/remove tools at runtime "
        "and emit notifications/tools/list_changed",
    )
    p.add_argument(
        "--allow-any-host",
        action="store_true",
        help="disable the SDK's DNS-rebinding Host/Origin check (it is on by default when binding to "
        "127.0.0.1/localhost/::1 and answers 421 to any other Host header)",
    )
    p.add_argument(
        "--session-idle-timeout",
        type=float,
        default=1800.0,
        help="seconds before an idle handshake-era session is reaped (default: %(default)s)",
    )
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return p


def setup_logging(level: str) -> None:
    # Configure the root logger before MCPServer() runs its own logging.basicConfig (a no-op then).
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    # The SDK logs every request at INFO ("Processing request of type ..."); keep INFO readable.
    if level != "DEBUG":
        for noisy in ("mcp.server.lowlevel.server", "mcp.server.streamable_http", "httpx", "uvicorn.access"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


# --------------------------------------------------------------------------------------------
# tool results


def tool_result(text: str, structured: BaseModel) -> CallToolResult:
    """A readable text block for the model plus `structuredContent` matching the tool's outputSchema.

    Tools annotate their return as `Annotated[CallToolResult, SomeModel]`, which makes MCPServer
    publish SomeModel's JSON schema as `outputSchema` and validate `structured_content` against it.
    """
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=structured.model_dump(mode="json", exclude_none=True),
    )


# --------------------------------------------------------------------------------------------
# list_changed delivery for both protocol eras


class ListChangedHub:
    """Fan `notifications/*/list_changed` out to every connected client, whatever its era."""

    def __init__(self) -> None:
        # Pass this to MCPServer(subscriptions=...): it backs the SDK's `subscriptions/listen`.
        self.bus = InMemorySubscriptionBus()
        # Legacy (handshake-era, stateful) connections seen so far. Weak: a closed session's
        # Connection is dropped by the SDK and disappears from here on its own.
        self._legacy: weakref.WeakSet[Connection] = weakref.WeakSet()

    # -- ServerMiddleware: MCPServer(middleware=[hub.track_sessions]) ------------------------
    async def track_sessions(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        # SDK 2.3.0 exposes no public handle on the per-session Connection from a request
        # context; ServerSession keeps it as `_connection`. Only stateful legacy sessions have a
        # session id and a standalone (GET SSE) channel to carry unsolicited notifications.
        conn = getattr(ctx.session, "_connection", None)
        if (
            isinstance(conn, Connection)
            and conn.session_id is not None
            and conn.has_standalone_channel
            and ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS
        ):
            self._legacy.add(conn)
        return await call_next(ctx)

    def legacy_session_count(self) -> int:
        return len(self._legacy)

    async def list_changed(self, kind: str = "tools") -> dict[str, int]:
        """Emit notifications/{tools,prompts,resources}/list_changed to 2026-07-28 listen streams
        (via the bus, filtered per stream by the SDK) and to every legacy session's GET stream."""
        if kind not in _EVENTS:
            raise ValueError(f"kind must be one of {', '.join(_EVENTS)}")
        event, legacy_method = _EVENTS[kind]
        await self.bus.publish(event)
        sent = 0
        for conn in list(self._legacy):
            # Best effort: Connection.notify never raises; without an open GET stream the
            # notification is simply dropped by the transport.
            await getattr(conn, legacy_method)()
            sent += 1
        log.info("emitted notifications/%s/list_changed (legacy sessions: %d, listen streams via bus)", kind, sent)
        return {"legacy_sessions": sent}

    async def tools_changed(self) -> dict[str, int]:
        return await self.list_changed("tools")


_EVENTS: dict[str, tuple[Any, str]] = {
    "tools": (ToolsListChanged(), "send_tool_list_changed"),
    "prompts": (PromptsListChanged(), "send_prompt_list_changed"),
    "resources": (ResourcesListChanged(), "send_resource_list_changed"),
}


def advertise_list_changed(mcp: MCPServer[Any]) -> None:
    """Make the handshake-era `initialize` result say `listChanged: true`.

    On 2026-07-28 the SDK derives the flags from "is subscriptions/listen served" (true for
    MCPServer). On handshake versions the streamable-HTTP manager calls
    `Server.create_initialization_options()` with default `NotificationOptions()` (all false)
    and offers no knob for it, so wrap that method on the low-level server instance.
    """
    lowlevel = mcp._lowlevel_server  # noqa: SLF001 - no public accessor in 2.3.0
    original = lowlevel.create_initialization_options

    def create_initialization_options(
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ):
        return original(
            notification_options
            or NotificationOptions(prompts_changed=True, resources_changed=True, tools_changed=True),
            experimental_capabilities,
            extensions,
        )

    lowlevel.create_initialization_options = create_initialization_options  # type: ignore[method-assign]


# --------------------------------------------------------------------------------------------
# runtime tools


class DynamicTools:
    """Add/remove simple tools at runtime and tell every client about it."""

    def __init__(self, mcp: MCPServer[Any], hub: ListChangedHub) -> None:
        self.mcp = mcp
        self.hub = hub
        self.added: set[str] = set()

    def _names(self) -> list[str]:
        return [t.name for t in self.mcp._tool_manager.list_tools()]  # noqa: SLF001

    async def add(self, name: str, description: str = "", text: str = "") -> dict[str, Any]:
        if not TOOL_NAME_RE.match(name):
            raise ValueError(f"invalid tool name {name!r}: use 1-128 characters from [A-Za-z0-9._-]")
        if name in self._names():
            raise KeyError(f"tool {name!r} already exists")
        reply = text

        def dynamic_tool(input: str = "") -> str:
            """Runtime-added tool; echoes its configured text (or its input)."""
            base = reply or f"{name} is a runtime-added tool"
            return f"{base} (input={input!r})" if input else base

        self.mcp.add_tool(
            dynamic_tool,
            name=name,
            description=description or f"Runtime-added tool {name!r} (returns a fixed text).",
            structured_output=False,
        )
        self.added.add(name)
        log.info("added tool %r at runtime", name)
        notified = await self.hub.tools_changed()
        return {"added": name, "notified": notified, "tools": self._names()}

    async def remove(self, name: str) -> dict[str, Any]:
        if name not in self.added:
            raise KeyError(f"{name!r} is not a runtime-added tool")
        self.mcp.remove_tool(name)
        self.added.discard(name)
        log.info("removed tool %r at runtime", name)
        notified = await self.hub.tools_changed()
        return {"removed": name, "notified": notified, "tools": self._names()}

    def install(self) -> None:
        mcp = self.mcp

        async def admin_add_tool(name: str, description: str = "", text: str = "") -> str:
            """Admin/test hook: register a new tool at runtime and emit notifications/tools/list_changed."""
            try:
                out = await self.add(name, description, text)
            except (ValueError, KeyError) as exc:
                raise ToolError(str(exc.args[0])) from exc
            return f"added tool {out['added']!r}; tools now: {', '.join(out['tools'])}"

        async def admin_remove_tool(name: str) -> str:
            """Admin/test hook: remove a runtime-added tool and emit notifications/tools/list_changed."""
            try:
                out = await self.remove(name)
            except KeyError as exc:
                raise ToolError(str(exc.args[0])) from exc
            return f"removed tool {out['removed']!r}; tools now: {', '.join(out['tools'])}"

        async def admin_notify_tools_changed() -> str:
            """Admin/test hook: emit notifications/tools/list_changed without changing anything."""
            out = await self.hub.tools_changed()
            return f"notified ({out['legacy_sessions']} legacy sessions + listen streams)"

        mcp.add_tool(admin_add_tool, structured_output=False)
        mcp.add_tool(admin_remove_tool, structured_output=False)
        mcp.add_tool(admin_notify_tools_changed, structured_output=False)

        @mcp.custom_route("/admin/tools", methods=["GET", "POST"])
        async def admin_tools(request: Request) -> JSONResponse:
            if request.method == "GET":
                return JSONResponse({"tools": self._names(), "runtime_added": sorted(self.added)})
            try:
                body = await request.json()
                if not isinstance(body, dict) or not isinstance(body.get("name"), str):
                    raise ValueError('body must be a JSON object with a string "name"')
                out = await self.add(body["name"], str(body.get("description", "")), str(body.get("text", "")))
            except KeyError as exc:
                return JSONResponse({"error": str(exc.args[0])}, status_code=409)
            except ValueError as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            return JSONResponse(out, status_code=201)

        @mcp.custom_route("/admin/tools/{name}", methods=["DELETE"])
        async def admin_delete_tool(request: Request) -> JSONResponse:
            try:
                out = await self.remove(request.path_params["name"])
            except KeyError as exc:
                return JSONResponse({"error": str(exc.args[0])}, status_code=404)
            return JSONResponse(out)

        @mcp.custom_route("/admin/notify", methods=["POST"])
        async def admin_notify(request: Request) -> JSONResponse:
            # ?kind=tools (default) | prompts | resources: emit list_changed without changing anything
            try:
                notified = await self.hub.list_changed(request.query_params.get("kind", "tools"))
                return JSONResponse({"notified": notified})
            except ValueError as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)


# --------------------------------------------------------------------------------------------
# serving


def new_server(name: str, *, version: str, instructions: str, hub: ListChangedHub) -> MCPServer[Any]:
    mcp: MCPServer[Any] = MCPServer(
        name,
        version=version,
        instructions=instructions,
        subscriptions=hub.bus,
        middleware=[hub.track_sessions],
    )
    advertise_list_changed(mcp)
    return mcp


class _Uvicorn(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_started: Callable[[str, int], None]) -> None:
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets=None) -> None:  # type: ignore[override]
        await super().startup(sockets=sockets)
        if self.should_exit or not self.servers:
            return
        host, port = self.servers[0].sockets[0].getsockname()[:2]
        self._on_started(host, port)


def serve(mcp: MCPServer[Any], args: argparse.Namespace, hub: ListChangedHub) -> None:
    path = "/" + args.path.strip("/")

    @mcp.custom_route("/healthz", methods=["GET"])
    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse(
            {"status": "ok", "server": mcp.name, "tools": len(await mcp.list_tools()),
             "legacy_sessions": hub.legacy_session_count()}
        )

    security = TransportSecuritySettings(enable_dns_rebinding_protection=False) if args.allow_any_host else None
    app = mcp.streamable_http_app(
        streamable_http_path=path,
        json_response=args.json_response,
        stateless_http=args.stateless,
        transport_security=security,
        session_idle_timeout=args.session_idle_timeout,
        host=args.host,
    )
    if path != "/":
        # Serve "/mcp/" too instead of Starlette's 307 redirect (agents are often configured with it).
        app.router.routes.append(Route(path + "/", endpoint=StreamableHTTPASGIApp(mcp.session_manager)))

    if args.enable_dynamic_tools:
        # Test hook: remember the headers of the last MCP POST, so a gateway's tests can check what
        # was forwarded (e.g. that the client's Authorization header was not).
        last: dict[str, str] = {}
        inner = app

        async def recording_app(scope, receive, send):  # type: ignore[no-untyped-def]
            if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].rstrip("/") == path.rstrip("/"):
                last.clear()
                last.update({k.decode(): v.decode() for k, v in scope["headers"]})
            if scope["type"] == "http" and scope["path"] == "/admin/last-request-headers":
                body = json.dumps(last).encode()
                await send({"type": "http.response.start", "status": 200,
                            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
            await inner(scope, receive, send)

        app = recording_app  # type: ignore[assignment]

    def on_started(host: str, port: int) -> None:
        shown = f"[{host}]" if ":" in host else host
        log.info(
            "%s listening on http://%s:%d%s (streamable HTTP; json_response=%s stateless=%s dynamic_tools=%s)",
            mcp.name, shown, port, path, args.json_response, args.stateless, args.enable_dynamic_tools,
        )

    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    server = _Uvicorn(config, on_started)
    anyio.run(server.serve)
