"""End-to-end tests for examples/servers/{calculus,physics}.py over real Streamable HTTP.

Each server runs as a subprocess on a free port (`--port 0`; the port is read from the
"listening on http://HOST:PORT/PATH" stderr line) and is killed at teardown, also on failure.
Clients are the SDK's own `mcp.Client` in `mode="legacy"` (initialize handshake, Mcp-Session-Id,
2025-11-25) and `mode="auto"` (server/discover probe -> sessionless 2026-07-28).

Run: .venv/bin/python -m pytest tests/examples -q
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx
import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import ToolsListChanged

ROOT = Path(__file__).resolve().parents[2]
SERVERS = ROOT / "examples" / "servers"
PYTHON = sys.executable

CALCULUS_TOOLS = {
    "differentiate",
    "integrate",
    "limit",
    "series",
    "solve",
    "simplify",
    "evaluate",
    "critical_points",
}
MODES = ["legacy", "auto"]
EXPECTED_VERSION = {"legacy": "2025-11-25", "auto": "2026-07-28"}
STEP_TIMEOUT = 15  # seconds for any single test body


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# --------------------------------------------------------------------------------------------
# server processes


@dataclass
class Running:
    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    url: str = ""  # http://127.0.0.1:PORT/mcp

    @property
    def base(self) -> str:
        return self.url.rsplit("/", 1)[0]

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


_LISTEN_RE = re.compile(r"listening on (http://\S+)")

SERVER_SPECS: dict[str, list[str]] = {
    "calculus": ["calculus.py"],
    "calculus_json": ["calculus.py", "--json-response"],
    "calculus_stateless": ["calculus.py", "--stateless"],
    "physics": ["physics.py", "--enable-dynamic-tools"],
    "physics_plain": ["physics.py", "--json-response", "--no-param-headers"],
}


@pytest.fixture(scope="session")
def servers() -> Iterator[dict[str, Running]]:
    """Start every server in parallel, wait until each has printed its listening line."""
    tmp = Path(tempfile.mkdtemp(prefix="mcp-example-servers-"))
    running: dict[str, Running] = {}
    try:
        for name, (script, *flags) in SERVER_SPECS.items():
            log_path = tmp / f"{name}.log"
            with open(log_path, "wb") as log_file:
                proc = subprocess.Popen(
                    [PYTHON, str(SERVERS / script), "--host", "127.0.0.1", "--port", "0", *flags],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=log_file,
                    cwd=ROOT,
                    env={**os.environ, "PYTHONUNBUFFERED": "1"},
                )
            running[name] = Running(name, proc, log_path)
        deadline = time.monotonic() + 30
        for srv in running.values():
            while not srv.url:
                if (m := _LISTEN_RE.search(srv.log())) is not None:
                    srv.url = m.group(1)
                elif srv.proc.poll() is not None:
                    pytest.fail(f"{srv.name} exited with {srv.proc.returncode}:\n{srv.log()}")
                elif time.monotonic() > deadline:
                    pytest.fail(f"{srv.name} did not start in time:\n{srv.log()}")
                else:
                    time.sleep(0.05)
        yield running
    finally:
        for srv in running.values():
            if srv.proc.poll() is None:
                srv.proc.terminate()
        for srv in running.values():
            try:
                srv.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                srv.proc.kill()
                srv.proc.wait(timeout=5)


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


# --------------------------------------------------------------------------------------------
# calculus


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_calculus_lists_exactly_eight_tools(servers: dict[str, Running], mode: str) -> None:
    with anyio.fail_after(STEP_TIMEOUT):
        async with Client(servers["calculus"].url, mode=mode) as client:
            assert client.protocol_version == EXPECTED_VERSION[mode]
            assert client.server_info is not None and client.server_info.name == "calculus-helper"
            caps = client.server_capabilities
            assert caps.tools is not None and caps.tools.list_changed is True
            listed = await client.list_tools()
            names = [t.name for t in listed.tools]
            assert sorted(names) == sorted(CALCULUS_TOOLS)
            by_name = {t.name: t for t in listed.tools}
            assert by_name["differentiate"].output_schema is not None
            assert by_name["integrate"].input_schema["required"] == ["expression"]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_differentiate_and_integrate(servers: dict[str, Running], mode: str) -> None:
    with anyio.fail_after(STEP_TIMEOUT):
        async with Client(servers["calculus"].url, mode=mode) as client:
            d = await client.call_tool("differentiate", {"expression": "x**3 + 2*x"})
            assert d.is_error is False
            assert "3*x**2 + 2" in text_of(d)
            assert d.structured_content is not None and d.structured_content["result"] == "3*x**2 + 2"

            # the walkthrough's phrasing, with ^ and implicit multiplication
            d2 = await client.call_tool("differentiate", {"expression": "x^3 + 2x"})
            assert "3*x**2 + 2" in text_of(d2)

            i = await client.call_tool("integrate", {"expression": "x**2", "lower": 0, "upper": 3})
            assert i.is_error is False, text_of(i)
            assert i.structured_content["result"] == "9"
            assert i.structured_content["numeric"] == pytest.approx(9.0)

            i2 = await client.call_tool("integrate", {"expression": "sin(x)", "lower": 0, "upper": "pi"})
            assert i2.structured_content["numeric"] == pytest.approx(2.0)

            anti = await client.call_tool("integrate", {"expression": "cos(t)", "variable": "t"})
            assert "sin(t) + C" in text_of(anti)


@pytest.mark.anyio
async def test_remaining_calculus_tools(servers: dict[str, Running]) -> None:
    with anyio.fail_after(STEP_TIMEOUT):
        async with Client(servers["calculus"].url, mode="auto") as client:
            lim = await client.call_tool("limit", {"expression": "sin(x)/x", "point": 0})
            assert lim.structured_content["result"] == "1"
            lim_inf = await client.call_tool("limit", {"expression": "(1 + 1/n)**n", "variable": "n", "point": "oo"})
            assert lim_inf.structured_content["result"] == "E"
            ser = await client.call_tool("series", {"expression": "exp(x)", "order": 4})
            assert "x**2/2" in ser.structured_content["result"] and "O(x**4)" in ser.structured_content["result"]
            sol = await client.call_tool("solve", {"equation": "x**2 - 4 = 0"})
            assert sorted(sol.structured_content["solutions"]) == ["-2", "2"]
            simp = await client.call_tool("simplify", {"expression": "sin(x)**2 + cos(x)**2"})
            assert simp.structured_content["result"] == "1"
            ev = await client.call_tool("evaluate", {"expression": "x**2 + y", "values": {"x": 2, "y": 3}})
            assert ev.structured_content["numeric"] == pytest.approx(7.0)
            ev_pi = await client.call_tool("evaluate", {"expression": "sin(x)", "values": {"x": "pi/6"}})
            assert ev_pi.structured_content["numeric"] == pytest.approx(0.5)
            cp = await client.call_tool("critical_points", {"expression": "x**3 - 3*x"})
            kinds = {p["point"]: p["kind"] for p in cp.structured_content["details"]["points"]}
            assert kinds == {"-1": "local maximum", "1": "local minimum"}


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_invalid_input_is_a_tool_error(servers: dict[str, Running], mode: str) -> None:
    bad_calls = [
        ("differentiate", {"expression": "x***2"}),  # syntax error
        ("differentiate", {"expression": "__import__('os').system('true')"}),  # not math
        ("differentiate", {"expression": "x**2", "variable": "1x"}),  # bad variable name
        ("differentiate", {"expression": "x**2", "order": 0}),  # schema: order >= 1
        ("integrate", {"expression": "x", "lower": 0}),  # only one bound
        ("simplify", {"expression": "9**9**9"}),  # resource guard
        ("solve", {"equation": "x = 1 = 2"}),
        ("differentiate", {}),  # missing required argument
        ("no_such_tool", {}),
    ]
    with anyio.fail_after(STEP_TIMEOUT):
        async with Client(servers["calculus"].url, mode=mode) as client:
            for name, args in bad_calls:
                result = await client.call_tool(name, args)
                assert result.is_error is True, (name, args, text_of(result))
                assert text_of(result), (name, args)
            # the server is still fine afterwards
            ok = await client.call_tool("differentiate", {"expression": "x**2"})
            assert ok.is_error is False and "2*x" in text_of(ok)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_prompts_and_resources(servers: dict[str, Running], mode: str) -> None:
    with anyio.fail_after(STEP_TIMEOUT):
        async with Client(servers["calculus"].url, mode=mode) as client:
            prompts = await client.list_prompts()
            by_name = {p.name: p for p in prompts.prompts}
            assert {"explain_derivative", "integration_strategy"} <= set(by_name)
            assert [a.name for a in by_name["explain_derivative"].arguments or []] == ["expression", "level"]
            got = await client.get_prompt("explain_derivative", {"expression": "x*sin(x)"})
            assert got.messages and "x*sin(x)" in got.messages[0].content.text

            resources = await client.list_resources()
            assert [str(r.uri) for r in resources.resources] == ["calculus://identities"]
            templates = await client.list_resource_templates()
            assert [t.uri_template for t in templates.resource_templates] == ["calculus://formula/{name}"]

            ident = await client.read_resource("calculus://identities")
            assert "chain_rule" in ident.contents[0].text
            chain = await client.read_resource("calculus://formula/chain_rule")
            assert "f'(g(x))" in chain.contents[0].text
            with pytest.raises(MCPError) as err:
                await client.read_resource("calculus://formula/no_such_formula")
            assert err.value.error.code == -32602  # resource not found (2026-07-28 forbids -32002)


@pytest.mark.anyio
@pytest.mark.parametrize("server", ["calculus_json", "calculus_stateless"])
@pytest.mark.parametrize("mode", MODES)
async def test_json_response_and_stateless_variants(servers: dict[str, Running], server: str, mode: str) -> None:
    with anyio.fail_after(STEP_TIMEOUT):
        async with Client(servers[server].url, mode=mode) as client:
            assert client.protocol_version == EXPECTED_VERSION[mode]
            assert {t.name for t in (await client.list_tools()).tools} == CALCULUS_TOOLS
            d = await client.call_tool("differentiate", {"expression": "x**3 + 2*x"})
            assert "3*x**2 + 2" in text_of(d)


@pytest.mark.anyio
async def test_raw_wire_session_behaviour(servers: dict[str, Running]) -> None:
    """What a gateway sees: Mcp-Session-Id on handshake, none in stateless/2026 mode; /mcp/ also served."""
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
    }
    accept = {"accept": "application/json, text/event-stream"}
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.post(servers["calculus_json"].url + "/", json=init, headers=accept)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
        assert r.headers.get("mcp-session-id")
        assert r.json()["result"]["capabilities"]["tools"]["listChanged"] is True

        r = await http.post(servers["calculus_stateless"].url, json=init, headers=accept)
        assert r.status_code == 200 and "mcp-session-id" not in r.headers

        modern = {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/list",
            "params": {
                "_meta": {
                    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientCapabilities": {},
                }
            },
        }
        headers = {**accept, "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list"}
        r = await http.post(servers["calculus"].url, json=modern, headers=headers)
        assert r.status_code == 200 and "mcp-session-id" not in r.headers
        body = r.json()["result"]
        assert body["resultType"] == "complete" and {t["name"] for t in body["tools"]} == CALCULUS_TOOLS

        health = (await http.get(servers["calculus"].base + "/healthz")).json()
        assert health["status"] == "ok" and health["tools"] == 8
        # dynamic tools are off by default
        assert (await http.post(servers["calculus"].base + "/admin/tools", json={"name": "x"})).status_code == 404


@pytest.mark.anyio
@pytest.mark.parametrize("version", ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"])
async def test_every_handshake_revision(servers: dict[str, Running], version: str) -> None:
    """Raw handshake at each pre-2026 revision: initialize, initialized, tools/call, DELETE."""
    url = servers["calculus_json"].url
    base_headers = {"accept": "application/json, text/event-stream"}
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.post(
            url,
            headers=base_headers,
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
            },
        )
        assert r.status_code == 200 and r.json()["result"]["protocolVersion"] == version
        headers = {**base_headers, "mcp-session-id": r.headers["mcp-session-id"], "mcp-protocol-version": version}
        r = await http.post(url, headers=headers, json={"jsonrpc": "2.0", "method": "notifications/initialized"})
        assert r.status_code == 202
        call = {"name": "differentiate", "arguments": {"expression": "x**3 + 2*x"}}
        r = await http.post(
            url, headers=headers, json={"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": call}
        )
        result = r.json()["result"]
        assert "3*x**2 + 2" in result["content"][0]["text"]
        assert "resultType" not in result  # 2026-only fields are stripped on handshake versions
        # SDK 2.3.0 only has 2025-11-25 and 2026-07-28 wire surfaces: older handshake revisions get the
        # 2025-11-25 shape, so even a 2024-11-05 client receives structuredContent (and outputSchema).
        assert "structuredContent" in result
        assert (await http.delete(url, headers=headers)).status_code == 200


def _modern_call(name: str, arguments: dict[str, object]) -> dict[str, object]:
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
    params = {"name": name, "arguments": arguments, "_meta": meta}
    return {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": params}


@pytest.mark.anyio
async def test_x_mcp_header_on_unit_convert(servers: dict[str, Running]) -> None:
    """physics unit_convert.from_unit has x-mcp-header: From-Unit -> 2026 callers must send Mcp-Param-From-Unit."""
    body = _modern_call("unit_convert", {"value": 1, "from_unit": "km", "to_unit": "m"})
    headers = {
        "accept": "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/call",
        "mcp-name": "unit_convert",
    }
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.post(servers["physics"].url, json=body, headers=headers)
        assert r.status_code == 400 and r.json()["error"]["code"] == -32020
        r = await http.post(servers["physics"].url, json=body, headers={**headers, "mcp-param-from-unit": "km"})
        assert r.status_code == 200 and r.json()["result"]["structuredContent"]["value"] == 1000
        # --no-param-headers: no annotation, no header needed
        r = await http.post(servers["physics_plain"].url, json=body, headers=headers)
        assert r.status_code == 200 and r.json()["result"]["structuredContent"]["value"] == 1000


# --------------------------------------------------------------------------------------------
# physics


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_physics_tools(servers: dict[str, Running], mode: str) -> None:
    with anyio.fail_after(STEP_TIMEOUT):
        async with Client(servers["physics"].url, mode=mode) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert {"solve", "projectile_range", "kinetic_energy", "unit_convert"} <= names

            v = await client.call_tool(
                "solve", {"find": "final_velocity", "initial_velocity": 0, "acceleration": 9.8, "time": 2}
            )
            assert v.is_error is False, text_of(v)
            assert v.structured_content["value"] == pytest.approx(19.6)
            t = await client.call_tool(
                "solve", {"find": "time", "displacement": 100, "initial_velocity": 0, "acceleration": 2}
            )
            assert t.structured_content["value"] == pytest.approx(10.0)
            short = await client.call_tool("solve", {"find": "time", "displacement": 1})
            assert short.is_error is True

            rng = await client.call_tool("projectile_range", {"speed": 10, "angle_degrees": 45, "gravity": 10})
            assert rng.structured_content["value"] == pytest.approx(10.0)
            ke = await client.call_tool("kinetic_energy", {"mass": 2, "velocity": 3})
            assert ke.structured_content["value"] == pytest.approx(9.0)
            bad = await client.call_tool("kinetic_energy", {"mass": -1, "velocity": 3})
            assert bad.is_error is True
            # unit_convert.from_unit carries x-mcp-header: the modern client also sends Mcp-Param-From-Unit
            conv = await client.call_tool("unit_convert", {"value": 36, "from_unit": "km/h", "to_unit": "m/s"})
            assert conv.is_error is False, text_of(conv)
            assert conv.structured_content["value"] == pytest.approx(10.0)
            temp = await client.call_tool("unit_convert", {"value": 100, "from_unit": "C", "to_unit": "F"})
            assert temp.structured_content["value"] == pytest.approx(212.0)


# --------------------------------------------------------------------------------------------
# runtime tools + notifications/tools/list_changed


async def _wait(event: anyio.Event, what: str, timeout: float = 5) -> None:
    with anyio.fail_after(timeout):
        await event.wait()


class ListChangedCollector:
    """Legacy-era message_handler: counts notifications/tools/list_changed off the GET stream."""

    def __init__(self) -> None:
        self.count = 0
        self.event = anyio.Event()

    async def __call__(self, message: object) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            self.count += 1
            self.event.set()

    def reset(self) -> None:
        self.event = anyio.Event()


async def _prime_get_stream(http: httpx.AsyncClient, base: str, collector: ListChangedCollector) -> None:
    """The SDK client opens its GET stream in the background after `initialized`; poke until it's live."""
    with anyio.fail_after(5):
        while not collector.event.is_set():
            await http.post(base + "/admin/notify")
            with anyio.move_on_after(0.2):
                await collector.event.wait()
    collector.reset()


@pytest.mark.anyio
async def test_dynamic_tool_via_http_reaches_both_eras(servers: dict[str, Running]) -> None:
    srv = servers["physics"]
    tool = f"momentum_{uuid.uuid4().hex[:6]}"
    collector = ListChangedCollector()
    with anyio.fail_after(STEP_TIMEOUT):
        async with (
            httpx.AsyncClient(timeout=5) as http,
            Client(srv.url, mode="legacy", message_handler=collector) as legacy,
            Client(srv.url, mode="auto") as modern,
            modern.listen(tools_list_changed=True) as sub,
        ):
            assert modern.protocol_version == "2026-07-28" and legacy.protocol_version == "2025-11-25"
            assert sub.honored.tools_list_changed is True
            await _prime_get_stream(http, srv.base, collector)

            async def next_modern_event() -> object:
                async for event in sub:
                    return event
                raise AssertionError("listen stream ended")

            before = {t.name for t in (await modern.list_tools()).tools}
            assert tool not in before
            r = await http.post(srv.base + "/admin/tools", json={"name": tool, "text": "p = m*v"})
            assert r.status_code == 201, r.text
            assert r.json()["notified"]["legacy_sessions"] >= 1

            with anyio.fail_after(5):
                assert isinstance(await next_modern_event(), ToolsListChanged)
            await _wait(collector.event, "legacy list_changed")

            for client in (legacy, modern):
                names = {t.name for t in (await client.list_tools()).tools}
                assert tool in names
                res = await client.call_tool(tool, {"input": "2 kg at 3 m/s"})
                assert res.is_error is False and "p = m*v" in text_of(res)

            assert (await http.post(srv.base + "/admin/tools", json={"name": tool})).status_code == 409
            assert (await http.post(srv.base + "/admin/tools", json={"name": "bad name!"})).status_code == 400

            collector.reset()
            r = await http.delete(f"{srv.base}/admin/tools/{tool}")
            assert r.status_code == 200, r.text
            with anyio.fail_after(5):
                assert isinstance(await next_modern_event(), ToolsListChanged)
            await _wait(collector.event, "legacy list_changed after delete")
            assert tool not in {t.name for t in (await legacy.list_tools()).tools}
            assert tool not in {t.name for t in (await modern.list_tools()).tools}


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_dynamic_tool_via_admin_tool(servers: dict[str, Running], mode: str) -> None:
    """The same trigger over MCP itself (a gateway can call physics_admin_add_tool)."""
    srv = servers["physics"]
    tool = f"impulse_{mode}_{uuid.uuid4().hex[:6]}"
    collector = ListChangedCollector()
    with anyio.fail_after(STEP_TIMEOUT):
        async with (
            httpx.AsyncClient(timeout=5) as http,
            Client(srv.url, mode="legacy", message_handler=collector) as watcher,
            Client(srv.url, mode=mode) as actor,
        ):
            await _prime_get_stream(http, srv.base, collector)
            res = await actor.call_tool("admin_add_tool", {"name": tool, "description": "J = F*t", "text": "J=F*t"})
            assert res.is_error is False, text_of(res)
            await _wait(collector.event, "list_changed after admin_add_tool")
            listed = {t.name: t for t in (await watcher.list_tools()).tools}
            assert listed[tool].description == "J = F*t"
            assert "J=F*t" in text_of(await actor.call_tool(tool, {}))

            dup = await actor.call_tool("admin_add_tool", {"name": tool})
            assert dup.is_error is True and "already exists" in text_of(dup)

            collector.reset()
            res = await actor.call_tool("admin_remove_tool", {"name": tool})
            assert res.is_error is False, text_of(res)
            await _wait(collector.event, "list_changed after admin_remove_tool")
            assert tool not in {t.name for t in (await actor.list_tools()).tools}
            gone = await actor.call_tool("admin_remove_tool", {"name": "solve"})  # built-ins are protected
            assert gone.is_error is True


@pytest.mark.anyio
async def test_prompts_and_resources_list_changed_trigger(servers: dict[str, Running]) -> None:
    """POST /admin/notify?kind=prompts|resources emits the other list_changed kinds (nothing changes)."""
    srv = servers["physics"]
    seen: list[str] = []
    collector = ListChangedCollector()

    async def handler(message: object) -> None:
        await collector(message)
        if isinstance(message, types.PromptListChangedNotification | types.ResourceListChangedNotification):
            seen.append(message.method)

    with anyio.fail_after(STEP_TIMEOUT):
        async with (
            httpx.AsyncClient(timeout=5) as http,
            Client(srv.url, mode="legacy", message_handler=handler) as legacy,
            Client(srv.url, mode="auto") as modern,
            modern.listen(prompts_list_changed=True, resources_list_changed=True) as sub,
        ):
            assert legacy.server_capabilities.prompts.list_changed is True
            assert modern.server_capabilities.resources.list_changed is True
            await _prime_get_stream(http, srv.base, collector)
            for kind in ("prompts", "resources"):
                r = await http.post(srv.base + "/admin/notify", params={"kind": kind})
                assert r.status_code == 200, r.text
                with anyio.fail_after(5):
                    async for event in sub:
                        assert type(event).__name__ == f"{kind.capitalize()}ListChanged"
                        break
            with anyio.fail_after(5):
                while len(seen) < 2:
                    await anyio.sleep(0.02)
            assert seen == ["notifications/prompts/list_changed", "notifications/resources/list_changed"]
            assert (await http.post(srv.base + "/admin/notify", params={"kind": "nope"})).status_code == 400
