"""An MCP server that speaks ONE protocol era, on the official SDK 2.3: `--era modern` (2026-07-28 only)
or `--era handshake` (2025-11-25 and earlier only). The SDK serves both eras on one endpoint; most
deployed servers speak one, so `tests/era_pinning.py` refuses the other era the way a pinned SDK server
does: a modern-only server answers `initialize` with -32022 (`data.supported`) and `GET` with 405; a
handshake-only server answers 2026-07-28 requests (`MCP-Protocol-Version: 2026-07-28`) with -32022.

Tools: `echo(text)` -> "<name>: <text>"; `era()` -> the protocol version of the request.
"""
import argparse

import anyio
import uvicorn
from era_pinning import pinned
from mcp.server.mcpserver import Context, MCPServer
from starlette.requests import Request
from starlette.responses import JSONResponse

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


if __name__ == "__main__":
    app = mcp.streamable_http_app(streamable_http_path="/mcp", host="127.0.0.1")
    config = uvicorn.Config(pinned(app, args.era), host="127.0.0.1", port=args.port, log_level="warning", log_config=None,
                            lifespan="on", timeout_graceful_shutdown=2)
    anyio.run(uvicorn.Server(config).serve)
