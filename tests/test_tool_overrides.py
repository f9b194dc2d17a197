"""Renames, description overrides, hidden tools and the public name length limit (issue 14), end to end:
the official SDK client through Envoy + gateway against the example servers, applied by a live reload,
with the servers' own lists as the control."""
import anyio
import pytest
from mcp import Client

from federation_stack import FederatedStack


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = FederatedStack(tmp_path_factory.mktemp("overrides"))
    yield s
    s.stop()


async def tools(url, mode="legacy"):
    async with Client(url, mode=mode) as client:
        return {t.name: t for t in (await client.list_tools()).tools}


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_rename_description_hidden_and_long_names(stack, mode):
    def edit(cfg):
        calculus = cfg["servers"][0]
        calculus["tools"] = {"overrides": {
            "differentiate": {"name": "d_dx", "description": "Derivative of an expression."},
            "series": {"hidden": True}}}
        cfg["servers"][1]["prefix"] = "physics_engine_v2_"  # pushes some names past the limit
        cfg["catalog"]["maxToolNameLength"] = 32
    stack.reconfigure(edit)
    stack.wait_for_tools(["d_dx"])
    with anyio.fail_after(20):
        direct_calc = await tools(f"{stack.calculus.base}/mcp")
        direct_phys = await tools(f"{stack.physics.base}/mcp")
        via = await tools(stack.url, mode)

    # Renamed, with the operator's description and the server's schema.
    assert "calculus_differentiate" not in via
    assert via["d_dx"].description == "Derivative of an expression."
    assert via["d_dx"].input_schema == direct_calc["differentiate"].input_schema
    # Hidden: not listed, still callable by its public name.
    assert "calculus_series" not in via
    # Every public name fits; long ones are shortened the same way each time and stay unique.
    assert all(len(n) <= 32 for n in via), [n for n in via if len(n) > 32]
    phys = [n for n in via if n.startswith("physics_engine_v2_")]
    assert len(phys) == len([n for n in direct_phys if n != "admin_remove_tool"])
    full = {f"physics_engine_v2_{n}" for n in direct_phys}
    shortened = [n for n in phys if n not in full]
    # physics_engine_v2_projectile_range (34) -> its first 23 characters, "_", 8 hex digits of its digest
    assert shortened and all(len(n) == 32 and n[-9] == "_" for n in shortened), phys
    projectile_name = next(n for n in shortened if n.startswith("physics_engine_v2_proje_"))
    again = await tools(stack.url, mode)
    assert sorted(again) == sorted(via)

    async with Client(stack.url, mode=mode) as client:
        renamed = await client.call_tool("d_dx", {"expression": "x**3", "variable": "x"})
        hidden = await client.call_tool("calculus_series", {"expression": "exp(x)", "order": 3})
        energy = await client.call_tool("physics_engine_v2_kinetic_energy", {"mass": 2, "velocity": 3})
        projectile = await client.call_tool(projectile_name, {"speed": 10, "angle_degrees": 45})
    async with Client(f"{stack.calculus.base}/mcp", mode="legacy") as client:  # control
        want = await client.call_tool("differentiate", {"expression": "x**3", "variable": "x"})
        want_series = await client.call_tool("series", {"expression": "exp(x)", "order": 3})
    assert not renamed.is_error and renamed.content[0].text == want.content[0].text
    assert not hidden.is_error and hidden.content[0].text == want_series.content[0].text
    assert not energy.is_error, energy
    assert not projectile.is_error, projectile  # the shortened name reaches projectile_range


def test_a_rename_over_the_limit_is_refused_and_the_old_config_keeps_serving(stack):
    before = stack.metric_value("mcp_config_reloads_total", result="failure")
    import json, signal, time
    cfg = json.loads(stack.config.read_text())
    cfg["servers"][0]["tools"] = {"overrides": {"integrate": {"name": "x" * 200}}}
    stack.config.write_text(json.dumps(cfg))
    stack.gateway.popen.send_signal(signal.SIGHUP)
    deadline = time.time() + 10
    while stack.metric_value("mcp_config_reloads_total", result="failure") <= before:
        assert time.time() < deadline
        time.sleep(0.1)
    assert "tools.overrides.integrate.name" in stack.gateway.output()
    assert "calculus_integrate" in stack.tool_names() or "d_dx" in stack.tool_names()
