"""Servers that speak one protocol era only (tests/era_pinned_server.py, on the official SDK): each
enters the catalog, and a client of that era reaches its tools through the gateway as it does
directly; and through the gateway's bridge each also serves the other era's clients (every feature:
tests/test_era_bridge_modern_client.py, tests/test_era_bridge_legacy_client.py). The control for a
bridged pair is the server's own era's client directly, since the pair shares no era."""

import anyio
import pytest
from mcp import Client

from federation_stack import ScriptServer, stack_with_servers

pytestmark = pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")


class PinnedServer(ScriptServer):
    def __init__(self, name, era, log_dir):
        super().__init__(name, "era_pinned_server.py", log_dir, "--era", era)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("eras")
    makers = {"newonly": lambda: PinnedServer("newonly", "modern", log_dir),
              "oldonly": lambda: PinnedServer("oldonly", "handshake", log_dir)}
    with stack_with_servers(log_dir, makers, ["newonly_echo", "oldonly_echo"], "pinned") as s:
        yield s


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def echo(url, mode, tool):
    async with Client(url, mode=mode) as client:
        result = await client.call_tool(tool, {"text": "hi"})
        return result.content[0].text


@pytest.mark.anyio
@pytest.mark.parametrize("server,mode", [("newonly", "auto"), ("oldonly", "legacy")])
async def test_a_single_era_server_serves_its_eras_clients(stack, server, mode):
    """The 2026-07-28-only server used to never enter the catalog (discovery began with initialize)."""
    with anyio.fail_after(15):
        direct = await echo(stack.pinned[server].url, mode, "echo")
        via = await echo(stack.url, mode, f"{server}_echo")
    assert direct == via == f"{server}: hi"


@pytest.mark.anyio
async def test_a_handshake_client_reaches_the_2026_only_server_through_the_gateway(stack):
    with anyio.fail_after(15):
        control = await echo(stack.pinned["newonly"].url, "2026-07-28", "echo")
        via = await echo(stack.url, "legacy", "newonly_echo")
    assert via == control == "newonly: hi"


def test_discovery_says_which_era_each_server_speaks(stack):
    """Learnt from the servers themselves (initialize refused with -32022 + data.supported is an
    answer): on the admin endpoint /servers and as the mcp_upstream_era metric."""
    import json
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{stack.admin_port}/servers", timeout=5) as r:
        servers = {s["name"]: s for s in json.load(r)["servers"]}
    assert servers["newonly"]["state"] == "up" and servers["newonly"]["eras"] == ["2026-07-28"], servers
    assert servers["oldonly"]["state"] == "up" and servers["oldonly"]["eras"] == ["handshake"], servers
    with urllib.request.urlopen(f"http://127.0.0.1:{stack.admin_port}/metrics", timeout=5) as r:
        metrics = r.read().decode()
    for server, era, value in [("newonly", "2026-07-28", 1), ("newonly", "handshake", 0),
                               ("oldonly", "2026-07-28", 0), ("oldonly", "handshake", 1)]:
        assert f'mcp_upstream_era{{server="{server}",era="{era}"}} {value}' in metrics, metrics
