"""ASGI wrapper that pins an official-SDK server (which serves both eras on one endpoint) to ONE
protocol era, the way a pinned SDK server refuses the other: a modern-only server (`era="modern"`)
answers `initialize` with -32022 (`data.supported`) and `GET` with 405; a handshake-only server
(`era="handshake"`) answers 2026-07-28 requests (`MCP-Protocol-Version: 2026-07-28`) with -32022.
`era=None` leaves the app as it is (both eras)."""
import json

from asgi_body import read_body, replaying

MODERN = "2026-07-28"
HANDSHAKE = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]


def pinned(app, era):
    if era is None:
        return app
    supported = [MODERN] if era == "modern" else HANDSHAKE

    async def refuse(send, status, body, headers=()):
        payload = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), *headers]})
        await send({"type": "http.response.body", "body": payload})

    async def wrapper(scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith("/healthz"):
            return await app(scope, receive, send)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        if scope["method"] == "GET" and era == "modern":
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
        if era == "modern" and msg.get("method") == "initialize":
            requested = (msg.get("params") or {}).get("protocolVersion")
            return await refuse(send, 400, {"jsonrpc": "2.0", "id": msg.get("id"), "error": {
                "code": -32022, "message": "Unsupported protocol version", "data": {"supported": supported, "requested": requested}}})
        if era == "handshake" and requested == MODERN:
            return await refuse(send, 400, {"jsonrpc": "2.0", "id": msg.get("id"), "error": {
                "code": -32022, "message": "Unsupported protocol version", "data": {"supported": supported, "requested": requested}}})
        return await app(scope, replaying(body, receive), send)

    return wrapper
