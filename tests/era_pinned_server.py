"""An MCP server that speaks ONE protocol era, on the official SDK 2.3: `--era modern` (2026-07-28 only)
or `--era handshake` (2025-11-25 and earlier only). The SDK serves both eras on one endpoint; most
deployed servers speak one, so this ASGI wrapper refuses the other era the way a pinned SDK server
does: a modern-only server answers `initialize` with -32022 (`data.supported`) and `GET` with 405; a
handshake-only server answers 2026-07-28 requests (`MCP-Protocol-Version: 2026-07-28`) with -32022.

Tools: `echo(text)` -> "<name>: <text>"; `era()` -> the protocol version of the request.
"""
import argparse
import json

import anyio
import uvicorn
from asgi_body import read_body, replaying
from mcp.server.mcpserver import Context, MCPServer
from starlette.requests import Request
from starlette.responses import JSONResponse

MODERN = "2026-07-28"
HANDSHAKE = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--name", required=True)
parser.add_argument("--era", choices=["modern", "handshake"], required=True)
args = parser.parse_args()

mcp = MCPServer(args.name)


@mcp.tool()
async def echo(text: str) -> str:
    """Echoes the text, prefixed with the server's name."""
    return f"{args.name}: {text}"


@mcp.tool()
async def era(ctx: Context) -> str:
    """The protocol version this request was served under."""
    return ctx.request_context.protocol_version if hasattr(ctx.request_context, "protocol_version") else "?"


@mcp.custom_route("/healthz", methods=["GET"])
async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def pinned(app):
    supported = [MODERN] if args.era == "modern" else HANDSHAKE

    async def refuse(send, status, body, headers=()):
        payload = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), *headers]})
        await send({"type": "http.response.body", "body": payload})

    async def wrapper(scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith("/healthz"):
            return await app(scope, receive, send)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        if scope["method"] == "GET" and args.era == "modern":
            return await refuse(send, 405, {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "Method Not Allowed"}},
                                [(b"allow", b"POST")])
        if scope["method"] != "POST":
            return await app(scope, receive, send)
        body = await read_body(receive)
        try:
            msg = json.loads(body)
        except ValueError:
            msg = {}
        requested = headers.get("mcp-protocol-version")
        if args.era == "modern" and msg.get("method") == "initialize":
            requested = (msg.get("params") or {}).get("protocolVersion")
            return await refuse(send, 400, {"jsonrpc": "2.0", "id": msg.get("id"), "error": {
                "code": -32022, "message": "Unsupported protocol version", "data": {"supported": supported, "requested": requested}}})
        if args.era == "handshake" and requested == MODERN:
            return await refuse(send, 400, {"jsonrpc": "2.0", "id": msg.get("id"), "error": {
                "code": -32022, "message": "Unsupported protocol version", "data": {"supported": supported, "requested": requested}}})
        return await app(scope, replaying(body, receive), send)

    return wrapper


if __name__ == "__main__":
    app = mcp.streamable_http_app(streamable_http_path="/mcp", host="127.0.0.1")
    config = uvicorn.Config(pinned(app), host="127.0.0.1", port=args.port, log_level="warning", log_config=None,
                            lifespan="on", timeout_graceful_shutdown=2)
    anyio.run(uvicorn.Server(config).serve)
