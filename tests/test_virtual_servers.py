"""Virtual servers (issue 14): an extra MCP endpoint with a subset of the catalog, end to end through
the stock Envoy (no Envoy change: every path already reaches ext_proc) with the official SDK client in
both eras; the servers themselves are the control."""
import uuid

import anyio
import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import ToolsListChanged

from federation_stack import FederatedStack

LITE = ["calculus_differentiate", "calculus_simplify"]


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = FederatedStack(tmp_path_factory.mktemp("virtual"), config_overrides={"virtualServers": [
        {"name": "calc-lite", "tools": LITE},
        {"name": "physics", "path": "/teams/physics", "servers": ["physics"]},
    ]})
    yield s
    s.stop()


def base(stack):
    return stack.url.rsplit("/mcp", 1)[0]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_a_virtual_server_lists_and_calls_only_its_subset(stack, mode):
    with anyio.fail_after(30):
        async with Client(f"{stack.url}/calc-lite", mode=mode) as client:
            assert sorted(t.name for t in (await client.list_tools()).tools) == LITE
            result = await client.call_tool("calculus_differentiate", {"expression": "x**3", "variable": "x"})
            with pytest.raises(MCPError):  # listed on /mcp, not here
                await client.call_tool("calculus_integrate", {"expression": "x", "variable": "x"})
            with pytest.raises(MCPError):
                await client.call_tool("physics_solve", {"find": "time"})
            assert (await client.list_prompts()).prompts == []  # tools only: no server's prompts
        async with Client(f"{stack.calculus.base}/mcp", mode="legacy") as direct:  # control
            want = await direct.call_tool("differentiate", {"expression": "x**3", "variable": "x"})
        assert not result.is_error and result.content[0].text == want.content[0].text
        async with Client(f"{base(stack)}/teams/physics", mode=mode) as client:
            names = {t.name for t in (await client.list_tools()).tools}
        async with Client(f"{stack.physics.base}/mcp", mode="legacy") as direct:
            want = {f"physics_{t.name}" for t in (await direct.list_tools()).tools} - {"physics_admin_remove_tool"}
        assert names == want
        async with Client(stack.url, mode=mode) as client:  # the main endpoint still has everything
            assert {"calculus_integrate", "physics_solve", *LITE} <= {t.name for t in (await client.list_tools()).tools}


@pytest.mark.anyio
async def test_list_changed_reaches_a_virtual_servers_listeners(stack):
    tool = f"impulse_{uuid.uuid4().hex[:6]}"
    got_legacy = anyio.Event()

    async def handler(message):
        if isinstance(message, types.ToolListChangedNotification):
            got_legacy.set()

    url = f"{base(stack)}/teams/physics"
    with anyio.fail_after(40):
        async with (
            Client(url, mode="legacy", message_handler=handler) as legacy,
            Client(url, mode="2026-07-28") as modern,
            modern.listen(tools_list_changed=True) as sub,
        ):
            await anyio.sleep(0.5)  # the SDK opens its GET stream in the background
            stack.add_physics_tool(tool, "J = F*t")
            await got_legacy.wait()
            async for event in sub:
                assert isinstance(event, ToolsListChanged)
                break
            for client in (legacy, modern):
                assert f"physics_{tool}" in {t.name for t in (await client.list_tools()).tools}
