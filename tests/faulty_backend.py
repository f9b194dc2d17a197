#!/usr/bin/env python3
"""A deliberately misbehaving MCP server for fault tests (handshake era, JSON replies).

tools/call by tool name: `ok` answers; `hang` never answers; `garbage` answers 200 with a body
that is not JSON; `html` answers with content-type text/html; `die` kills the whole process
mid-call (no response at all). Everything else behaves like a tiny, correct MCP server.
"""
import json
import os
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOOLS = [{"name": n, "description": f"{n} behaviour", "inputSchema": {"type": "object"}} for n in
         ["ok", "hang", "garbage", "html", "die"]]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/healthz":
            return self.reply(200, {"status": "ok"})
        self.reply(405, {})

    def do_DELETE(self):
        self.reply(200, {})

    def do_POST(self):
        msg = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        method, mid = msg.get("method"), msg.get("id")
        if mid is None:
            return self.reply(202, None)
        if method == "initialize":
            return self.reply(200, {"jsonrpc": "2.0", "id": mid, "result": {
                "protocolVersion": msg["params"].get("protocolVersion", "2025-11-25"),
                "capabilities": {"tools": {"listChanged": False}}, "serverInfo": {"name": "faulty", "version": "1"}}},
                extra={"mcp-session-id": uuid.uuid4().hex})
        if method == "tools/list":
            return self.reply(200, {"jsonrpc": "2.0", "id": mid, "result": {"tools": TOOLS}})
        if method == "tools/call":
            name = msg["params"]["name"]
            if name == "hang":
                time.sleep(3600)
            if name == "garbage":
                return self.raw(200, "application/json", b"{{{ this is not json")
            if name == "html":
                return self.raw(200, "text/html", b"<html><body>oops</body></html>")
            if name == "die":
                os._exit(1)
            return self.reply(200, {"jsonrpc": "2.0", "id": mid, "result": {"content": [{"type": "text", "text": "fine"}]}})
        self.reply(200, {"jsonrpc": "2.0", "id": mid, "error": {"code": -32601, "message": "Method not found"}})

    def reply(self, code, obj, extra=None):
        data = b"" if obj is None else json.dumps(obj).encode()
        self.raw(code, "application/json", data, extra)

    def raw(self, code, ctype, data, extra=None):
        self.send_response(code)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


if __name__ == "__main__":
    port = int(sys.argv[sys.argv.index("--port") + 1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"faulty listening on http://127.0.0.1:{port}/mcp", flush=True)
    server.serve_forever()
