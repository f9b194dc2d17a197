#!/usr/bin/env python3
"""physics-helper: an example MCP server whose `solve` tool name collides with calculus-helper's.

Tools: solve (constant-acceleration kinematics), projectile_range, kinetic_energy, unit_convert.
With --enable-dynamic-tools also admin_add_tool, admin_remove_tool, admin_notify_tools_changed
and the HTTP side door /admin/tools, /admin/tools/{name}, /admin/notify.
Prompt: explain_kinematics. Resources: physics://constants, physics://constant/{name}.

`unit_convert.from_unit` carries the 2026-07-28 `x-mcp-header: From-Unit` annotation, so modern
clients must send it as an `Mcp-Param-From-Unit` header too, or get HTTP 400 / -32020 (gateway test
material; `--no-param-headers` removes the annotation).

Run:  .venv/bin/python examples/servers/physics.py [--host 127.0.0.1] [--port 9102] [--path /mcp]
                                                   [--json-response] [--stateless] [--enable-dynamic-tools]
"""

from __future__ import annotations

import math
import os
import sys
from typing import Annotated, Any, Literal

import sympy as sp
from pydantic import BaseModel, Field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import (  # noqa: E402
    DynamicTools,
    ListChangedHub,
    build_arg_parser,
    new_server,
    serve,
    setup_logging,
    tool_result,
)
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError  # noqa: E402
from mcp_types import CallToolResult, ToolAnnotations  # noqa: E402

SERVER_NAME = "physics-helper"
SERVER_VERSION = "1.0.0"
DEFAULT_PORT = 9102
STANDARD_GRAVITY = 9.80665
TOOL_NAMES = ("solve", "projectile_range", "kinetic_energy", "unit_convert")

_READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)

hub = ListChangedHub()
mcp = new_server(
    SERVER_NAME,
    version=SERVER_VERSION,
    instructions="Classical mechanics helpers. SI units throughout (m, s, kg, m/s, J) unless stated.",
    hub=hub,
)


class PhysicsResult(BaseModel):
    quantity: str
    value: float | None = None
    unit: str
    values: list[float] | None = Field(default=None, description="all solutions when more than one is physical")
    details: dict[str, Any] | None = None


PhysicsOut = Annotated[CallToolResult, PhysicsResult]

# --------------------------------------------------------------------------------------------
# kinematics: s = displacement, u = initial velocity, v = final velocity, a = acceleration, t = time

_S, _U, _V, _A, _T = sp.symbols("s u v a t", real=True)
_QUANTITIES = {
    "displacement": (_S, "m"),
    "initial_velocity": (_U, "m/s"),
    "final_velocity": (_V, "m/s"),
    "acceleration": (_A, "m/s^2"),
    "time": (_T, "s"),
}
# The five SUVAT equations, each missing exactly one quantity.
_SUVAT = [
    (sp.Eq(_V, _U + _A * _T), _S, "v = u + a*t"),
    (sp.Eq(_S, _U * _T + _A * _T**2 / 2), _V, "s = u*t + a*t**2/2"),
    (sp.Eq(_V**2, _U**2 + 2 * _A * _S), _T, "v**2 = u**2 + 2*a*s"),
    (sp.Eq(_S, (_U + _V) * _T / 2), _A, "s = (u + v)*t/2"),
    (sp.Eq(_S, _V * _T - _A * _T**2 / 2), _U, "s = v*t - a*t**2/2"),
]

Quantity = Literal["displacement", "initial_velocity", "final_velocity", "acceleration", "time"]


@mcp.tool(annotations=_READ_ONLY)
def solve(
    find: Annotated[Quantity, Field(description="the unknown to solve for")],
    displacement: Annotated[float | None, Field(description="s in m")] = None,
    initial_velocity: Annotated[float | None, Field(description="u in m/s")] = None,
    final_velocity: Annotated[float | None, Field(description="v in m/s")] = None,
    acceleration: Annotated[float | None, Field(description="a in m/s^2")] = None,
    time: Annotated[float | None, Field(description="t in s (must be >= 0)")] = None,
) -> PhysicsOut:
    """Constant-acceleration kinematics (SUVAT): give three known quantities, get the fourth."""
    given = {
        "displacement": displacement,
        "initial_velocity": initial_velocity,
        "final_velocity": final_velocity,
        "acceleration": acceleration,
        "time": time,
    }
    known = {k: v for k, v in given.items() if v is not None}
    if find in known:
        raise ToolError(f"{find} was given as a known value; leave it out to solve for it")
    if len(known) < 3:
        raise ToolError(f"need at least three known quantities besides {find}; got {sorted(known) or 'none'}")
    if time is not None and time < 0:
        raise ToolError("time must be >= 0")
    target, unit = _QUANTITIES[find]
    subs = {_QUANTITIES[k][0]: sp.nsimplify(v, rational=True) for k, v in known.items()}
    missing = {sym for sym, _ in _QUANTITIES.values()} - set(subs) - {target}
    # Use the equation that does not involve the quantity that is neither known nor wanted.
    candidates = [e for e in _SUVAT if (not missing or e[1] in missing) and e[1] != target]
    for eq, _, label in candidates:
        sols = sp.solve(eq.subs(subs), target)
        values = sorted({float(s) for s in sols if s.is_real})
        if target is _T:
            values = [v for v in values if v >= 0]
        if values:
            break
    else:
        raise ToolError("no physical solution for these values")
    shown = ", ".join(f"{k}={v:g}" for k, v in known.items())
    text = f"{find} = " + " or ".join(f"{v:.10g} {unit}" for v in values) + f"  (from {label}; {shown})"
    return tool_result(
        text,
        PhysicsResult(quantity=find, value=values[0], unit=unit, values=values if len(values) > 1 else None,
                      details={"equation": label, "known": known}),
    )


@mcp.tool(annotations=_READ_ONLY)
def projectile_range(
    speed: Annotated[float, Field(gt=0, description="launch speed in m/s")],
    angle_degrees: Annotated[float, Field(ge=0, le=90, description="launch angle above horizontal")],
    height: Annotated[float, Field(ge=0, description="launch height above the landing plane in m")] = 0.0,
    gravity: Annotated[float, Field(gt=0, description="gravitational acceleration in m/s^2")] = STANDARD_GRAVITY,
) -> PhysicsOut:
    """Range, flight time and apex height of a drag-free projectile."""
    theta = math.radians(angle_degrees)
    vx, vy = speed * math.cos(theta), speed * math.sin(theta)
    t_flight = (vy + math.sqrt(vy * vy + 2 * gravity * height)) / gravity
    rng = vx * t_flight
    apex = height + vy * vy / (2 * gravity)
    return tool_result(
        f"range = {rng:.6g} m, flight time = {t_flight:.6g} s, max height = {apex:.6g} m "
        f"(v0={speed:g} m/s at {angle_degrees:g}°, h0={height:g} m, g={gravity:g} m/s^2)",
        PhysicsResult(quantity="range", value=rng, unit="m",
                      details={"flight_time_s": t_flight, "max_height_m": apex}),
    )


@mcp.tool(annotations=_READ_ONLY)
def kinetic_energy(
    mass: Annotated[float, Field(gt=0, description="mass in kg")],
    velocity: Annotated[float, Field(description="speed in m/s")],
) -> PhysicsOut:
    """Kinetic energy E = m*v**2/2 in joules."""
    energy = 0.5 * mass * velocity * velocity
    return tool_result(
        f"kinetic energy = {energy:.10g} J (m={mass:g} kg, v={velocity:g} m/s)",
        PhysicsResult(quantity="kinetic_energy", value=energy, unit="J"),
    )


# unit -> (dimension, factor to SI)
_UNITS: dict[str, tuple[str, float]] = {
    # length
    "m": ("length", 1.0), "km": ("length", 1e3), "cm": ("length", 1e-2), "mm": ("length", 1e-3),
    "um": ("length", 1e-6), "nm": ("length", 1e-9), "in": ("length", 0.0254), "ft": ("length", 0.3048),
    "yd": ("length", 0.9144), "mi": ("length", 1609.344), "nmi": ("length", 1852.0),
    "au": ("length", 149_597_870_700.0), "ly": ("length", 9_460_730_472_580_800.0),
    # mass
    "kg": ("mass", 1.0), "g": ("mass", 1e-3), "mg": ("mass", 1e-6), "t": ("mass", 1e3),
    "lb": ("mass", 0.45359237), "oz": ("mass", 0.028349523125),
    # time
    "s": ("time", 1.0), "ms": ("time", 1e-3), "us": ("time", 1e-6), "min": ("time", 60.0),
    "h": ("time", 3600.0), "day": ("time", 86400.0),
    # speed
    "m/s": ("speed", 1.0), "km/h": ("speed", 1 / 3.6), "mph": ("speed", 0.44704), "knot": ("speed", 1852 / 3600),
    "ft/s": ("speed", 0.3048),
    # energy
    "J": ("energy", 1.0), "kJ": ("energy", 1e3), "MJ": ("energy", 1e6), "cal": ("energy", 4.184),
    "kcal": ("energy", 4184.0), "Wh": ("energy", 3600.0), "kWh": ("energy", 3.6e6),
    "eV": ("energy", 1.602176634e-19), "BTU": ("energy", 1055.05585262),
    # force
    "N": ("force", 1.0), "kN": ("force", 1e3), "lbf": ("force", 4.4482216152605), "dyn": ("force", 1e-5),
    # pressure
    "Pa": ("pressure", 1.0), "kPa": ("pressure", 1e3), "bar": ("pressure", 1e5), "atm": ("pressure", 101325.0),
    "psi": ("pressure", 6894.757293168), "mmHg": ("pressure", 133.322387415),
    # angle
    "rad": ("angle", 1.0), "deg": ("angle", math.pi / 180),
}
_TEMPERATURE = {"K", "C", "F"}
_ALIASES = {
    "°C": "C", "degC": "C", "celsius": "C", "°F": "F", "degF": "F", "fahrenheit": "F", "kelvin": "K",
    "meter": "m", "meters": "m", "metre": "m", "kilometer": "km", "mile": "mi", "miles": "mi", "foot": "ft",
    "feet": "ft", "inch": "in", "second": "s", "seconds": "s", "hour": "h", "hours": "h", "kph": "km/h",
    "knots": "knot", "joule": "J", "joules": "J", "newton": "N", "pound": "lb", "lbs": "lb", "gram": "g",
    "degree": "deg", "degrees": "deg", "radian": "rad", "radians": "rad",
}


def _unit(name: str) -> str:
    u = _ALIASES.get(name, _ALIASES.get(name.lower(), name))
    if u not in _UNITS and u not in _TEMPERATURE:
        raise ToolError(f"unknown unit {name!r}; known: {', '.join([*_UNITS, *sorted(_TEMPERATURE)])}")
    return u


def _to_kelvin(v: float, u: str) -> float:
    return v if u == "K" else v + 273.15 if u == "C" else (v - 32) * 5 / 9 + 273.15


def _from_kelvin(k: float, u: str) -> float:
    return k if u == "K" else k - 273.15 if u == "C" else (k - 273.15) * 9 / 5 + 32


@mcp.tool(annotations=_READ_ONLY)
def unit_convert(
    value: float,
    from_unit: Annotated[
        str, Field(description="source unit, e.g. km/h, mi, C", json_schema_extra={"x-mcp-header": "From-Unit"})
    ],
    to_unit: Annotated[str, Field(description="target unit of the same dimension, e.g. m/s, km, F")],
) -> PhysicsOut:
    """Convert a value between units of length, mass, time, speed, energy, force, pressure, angle, temperature."""
    src, dst = _unit(from_unit), _unit(to_unit)
    if (src in _TEMPERATURE) != (dst in _TEMPERATURE):
        raise ToolError(f"cannot convert {src} to {dst}: different dimensions")
    if src in _TEMPERATURE:
        kelvin = _to_kelvin(value, src)
        if kelvin < 0:
            raise ToolError("temperature below absolute zero")
        out, dim = _from_kelvin(kelvin, dst), "temperature"
    else:
        (dim, f_src), (dim_dst, f_dst) = _UNITS[src], _UNITS[dst]
        if dim != dim_dst:
            raise ToolError(f"cannot convert {src} ({dim}) to {dst} ({dim_dst})")
        out = value * f_src / f_dst
    return tool_result(
        f"{value:g} {src} = {out:.10g} {dst}",
        PhysicsResult(quantity=dim, value=out, unit=dst, details={"from": f"{value:g} {src}"}),
    )


# --------------------------------------------------------------------------------------------
# prompts and resources

CONSTANTS: dict[str, tuple[float, str, str]] = {
    "g": (STANDARD_GRAVITY, "m/s^2", "standard gravity"),
    "c": (299_792_458.0, "m/s", "speed of light in vacuum"),
    "G": (6.67430e-11, "m^3/(kg s^2)", "Newtonian constant of gravitation"),
    "h": (6.62607015e-34, "J s", "Planck constant"),
    "k_B": (1.380649e-23, "J/K", "Boltzmann constant"),
    "N_A": (6.02214076e23, "1/mol", "Avogadro constant"),
    "e": (1.602176634e-19, "C", "elementary charge"),
}


@mcp.prompt(title="Explain a kinematics problem")
def explain_kinematics(problem: str) -> str:
    """Ask the model to identify the SUVAT knowns/unknown in a word problem and solve it with the physics tools."""
    return (
        f"Problem: {problem}\n"
        "List the known quantities among s, u, v, a, t with SI units, name the unknown, pick the constant-"
        "acceleration equation that avoids the irrelevant quantity, and check the result with the solve tool."
    )


@mcp.resource("physics://constants", name="constants", title="Physical constants", mime_type="text/plain")
def constants() -> str:
    """CODATA values of a few physical constants."""
    return "\n".join(f"{k} = {v:.10g} {u}  ({d})" for k, (v, u, d) in CONSTANTS.items())


@mcp.resource("physics://constant/{name}", name="constant", title="One physical constant", mime_type="text/plain")
def constant(name: str) -> str:
    """One constant by symbol: g, c, G, h, k_B, N_A, e."""
    if name not in CONSTANTS:
        raise ResourceNotFoundError(f"unknown constant {name!r}; known: {', '.join(CONSTANTS)}")
    v, u, d = CONSTANTS[name]
    return f"{name} = {v:.10g} {u}  ({d})"


def main(argv: list[str] | None = None) -> None:
    parser = build_arg_parser("physics.py", "physics-helper example MCP server", DEFAULT_PORT)
    parser.add_argument(
        "--no-param-headers",
        action="store_true",
        help="drop the x-mcp-header annotation from unit_convert.from_unit (2026-07-28 clients then send no "
        "Mcp-Param-From-Unit header and the server stops requiring it)",
    )
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    if args.no_param_headers:
        tool = mcp._tool_manager.get_tool("unit_convert")  # noqa: SLF001 - no public schema editing API
        assert tool is not None
        tool.parameters["properties"]["from_unit"].pop("x-mcp-header", None)
    if args.enable_dynamic_tools:
        DynamicTools(mcp, hub).install()
    serve(mcp, args, hub)


if __name__ == "__main__":
    main()
