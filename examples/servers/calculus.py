#!/usr/bin/env python3
"""calculus-helper: an example MCP server with eight sympy-backed calculus tools.

Tools: differentiate, integrate, limit, series, solve, simplify, evaluate, critical_points.
Prompts: explain_derivative, integration_strategy.
Resources: calculus://identities (static), calculus://formula/{name} (template).

Run:  .venv/bin/python examples/servers/calculus.py [--host 127.0.0.1] [--port 9101] [--path /mcp]
                                                     [--json-response] [--stateless] [--enable-dynamic-tools]
Speaks Streamable HTTP for every protocol revision the SDK serves (2024-11-05 .. 2025-11-25 with
Mcp-Session-Id, and the sessionless 2026-07-28). See examples/servers/README.md.
"""

from __future__ import annotations

import os
import re
import sys
from functools import partial
from typing import Annotated, Any, Literal

import anyio
import anyio.to_thread
import sympy as sp
from pydantic import BaseModel, Field
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

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

SERVER_NAME = "calculus-helper"
SERVER_VERSION = "1.0.0"
DEFAULT_PORT = 9101
COMPUTE_TIMEOUT_S = float(os.environ.get("CALCULUS_TIMEOUT", "10"))
TOOL_NAMES = (
    "differentiate",
    "integrate",
    "limit",
    "series",
    "solve",
    "simplify",
    "evaluate",
    "critical_points",
)

# --------------------------------------------------------------------------------------------
# safe-ish expression parsing

_MAX_EXPR_LEN = 500
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
# No dunders, attribute access, indexing, strings, statements or lambdas: math only.
_FORBIDDEN = re.compile(r"__|\.\s*[A-Za-z_]|[\[\]{};'\"\\@$`!]|\blambda\b|:")
_TRANSFORMS = standard_transformations + (implicit_multiplication_application, convert_xor)
_MAX_NUMERIC_EXPONENT = 10_000

# A curated namespace (no `from sympy import *`: that would hand parse_expr's eval things like
# lambdify/preview/var). Symbol/Integer/Float/Rational are what the standard transformations emit,
# Add/Mul/Pow what evaluate=False emits. Unknown names become Symbols (auto_symbol).
_NS: dict[str, Any] = {"__builtins__": {}}
for _n in (
    "Symbol Integer Float Rational Function Add Mul Pow sin cos tan cot sec csc asin acos atan acot asec acsc "
    "atan2 sinh cosh tanh coth sech csch asinh acosh atanh exp log ln sqrt cbrt root Abs sign floor ceiling "
    "erf erfc Heaviside DiracDelta Min Max re im conjugate pi E I oo zoo nan"
).split():
    _NS[_n] = getattr(sp, _n)
_NS.update({"abs": sp.Abs, "inf": sp.oo, "infinity": sp.oo, "arcsin": sp.asin, "arccos": sp.acos, "arctan": sp.atan})


def _too_big(value: Any) -> bool:
    try:
        return bool(getattr(value, "is_number", False)) and abs(complex(value.evalf(15))) > _MAX_NUMERIC_EXPONENT
    except (TypeError, ValueError, OverflowError):
        return False


def _guarded(fn: Any) -> Any:
    """factorial/binomial/gamma evaluate eagerly even under evaluate=False: check their size first."""

    def call(*args: Any, **kwargs: Any) -> Any:
        if any(_too_big(a) for a in args):
            raise ToolError(f"{fn.__name__} argument too large (limit {_MAX_NUMERIC_EXPONENT})")
        return fn(*args, **kwargs)

    return call


_NS.update({n: _guarded(getattr(sp, n)) for n in ("factorial", "binomial", "gamma")})


def _symbol(name: str, what: str = "variable") -> sp.Symbol:
    if not isinstance(name, str) or not _IDENT.match(name):
        raise ToolError(f"invalid {what} name {name!r}: expected an identifier like x, t or theta")
    if name in _NS:
        raise ToolError(f"invalid {what} name {name!r}: it is a reserved function/constant name")
    return sp.Symbol(name)


def _check_sizes(expr: sp.Basic) -> None:
    """Refuse numeric towers such as 9**9**9 that would pin the CPU with the GIL held."""
    for node in sp.preorder_traversal(expr):
        if (
            isinstance(node, sp.Pow)
            and node.base.is_number
            and node.base not in (sp.Integer(0), sp.Integer(1), sp.Integer(-1))
            and _too_big(node.exp)
        ):
            raise ToolError(f"numeric exponent too large (limit {_MAX_NUMERIC_EXPONENT})")


def parse(text: Any, *variables: sp.Symbol, what: str = "expression") -> sp.Expr:
    """Parse user text (accepts ^ for powers and implicit multiplication such as 2x, 3sin(x))."""
    if isinstance(text, bool):
        raise ToolError(f"{what} must be a string or number, not a boolean")
    if isinstance(text, int):
        return sp.Integer(text)
    if isinstance(text, float):
        if text != text or text in (float("inf"), float("-inf")):
            return sp.nan if text != text else (sp.oo if text > 0 else -sp.oo)
        return sp.Integer(int(text)) if text.is_integer() else sp.Rational(repr(text))
    if not isinstance(text, str) or not text.strip():
        raise ToolError(f"{what} must be a non-empty string")
    if len(text) > _MAX_EXPR_LEN:
        raise ToolError(f"{what} is too long ({len(text)} > {_MAX_EXPR_LEN} characters)")
    if _FORBIDDEN.search(text):
        raise ToolError(f"invalid {what} {text!r}: only mathematical expressions are accepted")
    local: dict[str, Any] = {str(v): v for v in variables}
    if "e" not in local:
        local["e"] = sp.E
    try:
        raw = parse_expr(text, local_dict=local, global_dict=_NS, transformations=_TRANSFORMS, evaluate=False)
        _check_sizes(raw)
        expr = parse_expr(text, local_dict=local, global_dict=_NS, transformations=_TRANSFORMS)
    except ToolError:
        raise
    except Exception as exc:  # SyntaxError, TokenError, TypeError, ...
        raise ToolError(f"could not parse {what} {text!r}: {type(exc).__name__}: {exc}") from None
    if not isinstance(expr, sp.Expr):
        raise ToolError(f"{what} {text!r} is not a mathematical expression (got {type(expr).__name__})")
    return expr


async def compute(fn, *args: Any) -> Any:
    """Run sympy work in a worker thread with a wall-clock limit."""
    try:
        with anyio.fail_after(COMPUTE_TIMEOUT_S):
            return await anyio.to_thread.run_sync(partial(fn, *args), abandon_on_cancel=True)
    except TimeoutError:
        raise ToolError(f"computation timed out after {COMPUTE_TIMEOUT_S:g}s") from None
    except ToolError:
        raise
    except Exception as exc:  # NotImplementedError, PolynomialError, ValueError from sympy
        raise ToolError(f"sympy could not compute this: {type(exc).__name__}: {exc}") from None


def _numeric(expr: sp.Expr) -> float | None:
    try:
        if expr.is_number and expr.is_finite is not False:
            value = complex(expr.evalf(30))
            if abs(value.imag) < 1e-12:
                return float(value.real)
    except (TypeError, ValueError, AttributeError):
        pass
    return None


def _s(expr: Any) -> str:
    return sp.sstr(expr)


class CalcResult(BaseModel):
    """Structured result shared by all calculus tools."""

    operation: str
    input: str
    result: str = Field(description="sympy string form of the result, e.g. 3*x**2 + 2")
    latex: str
    numeric: float | None = Field(default=None, description="numeric value when the result is a real number")
    solutions: list[str] | None = None
    details: dict[str, Any] | None = None


ToolOut = Annotated[CallToolResult, CalcResult]
_READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)

# --------------------------------------------------------------------------------------------
# server

hub = ListChangedHub()
mcp = new_server(
    SERVER_NAME,
    version=SERVER_VERSION,
    instructions=(
        "Symbolic calculus with sympy. Expressions use Python/sympy syntax (x**2, sin(x), exp(x), log(x), "
        "sqrt(x), pi, E, oo); ^ and implicit multiplication (2x) are accepted too."
    ),
    hub=hub,
)


@mcp.tool(annotations=_READ_ONLY)
async def differentiate(
    expression: Annotated[str, Field(description="expression to differentiate, e.g. x**3 + 2*x")],
    variable: Annotated[str, Field(description="variable to differentiate with respect to")] = "x",
    order: Annotated[int, Field(ge=1, le=20, description="derivative order")] = 1,
) -> ToolOut:
    """Differentiate an expression (optionally n times) with respect to a variable."""
    var = _symbol(variable)
    expr = parse(expression, var)
    d = await compute(sp.diff, expr, var, order)
    d = sp.expand(d) if d.is_polynomial(var) else d
    prefix = f"d/d{variable}" if order == 1 else f"d^{order}/d{variable}^{order}"
    return tool_result(
        f"{prefix} [{_s(expr)}] = {_s(d)}",
        CalcResult(operation="differentiate", input=_s(expr), result=_s(d), latex=sp.latex(d),
                   details={"variable": variable, "order": order}),
    )


@mcp.tool(annotations=_READ_ONLY)
async def integrate(
    expression: Annotated[str, Field(description="integrand, e.g. x**2 or sin(x)*exp(x)")],
    variable: str = "x",
    lower: Annotated[float | str | None, Field(description="lower bound (number or expression like pi, -oo)")] = None,
    upper: Annotated[float | str | None, Field(description="upper bound (number or expression like pi, oo)")] = None,
) -> ToolOut:
    """Integrate an expression: indefinite without bounds, definite when both lower and upper are given."""
    var = _symbol(variable)
    expr = parse(expression, var)
    if (lower is None) != (upper is None):
        raise ToolError("give both lower and upper for a definite integral, or neither for an indefinite one")
    if lower is None:
        anti = await compute(sp.integrate, expr, var)
        if anti.has(sp.Integral):
            raise ToolError(f"no closed-form antiderivative found for {_s(expr)}")
        return tool_result(
            f"∫ {_s(expr)} d{variable} = {_s(anti)} + C",
            CalcResult(operation="integrate", input=_s(expr), result=_s(anti), latex=sp.latex(anti) + " + C",
                       details={"variable": variable, "definite": False}),
        )
    a, b = parse(lower, what="lower bound"), parse(upper, what="upper bound")
    if a.free_symbols - {var} or b.free_symbols - {var}:
        pass  # symbolic bounds are fine: the result is symbolic then
    value = await compute(sp.integrate, expr, (var, a, b))
    closed = not value.has(sp.Integral)
    numeric = _numeric(value) if closed else await compute(lambda: _numeric(sp.Integral(expr, (var, a, b))))
    shown = _s(value) if closed else "(no closed form)"
    text = f"∫_{_s(a)}^{_s(b)} {_s(expr)} d{variable} = {shown}"
    if numeric is not None:
        text += f" ≈ {numeric:.12g}"
    return tool_result(
        text,
        CalcResult(operation="integrate", input=_s(expr), result=_s(value), latex=sp.latex(value), numeric=numeric,
                   details={"variable": variable, "definite": True, "lower": _s(a), "upper": _s(b),
                            "closed_form": closed}),
    )


@mcp.tool(annotations=_READ_ONLY)
async def limit(
    expression: str,
    point: Annotated[float | str, Field(description="the point to approach: a number, pi, oo or -oo")],
    variable: str = "x",
    direction: Annotated[
        Literal["+", "-", "+-"], Field(description="'+' from the right, '-' from the left, '+-' two-sided")
    ] = "+-",
) -> ToolOut:
    """Compute the limit of an expression as the variable approaches a point."""
    var = _symbol(variable)
    expr = parse(expression, var)
    p = parse(point, what="point")
    direction_used = direction
    if p.is_infinite:
        direction_used = "-" if p == sp.oo else "+"  # sympy wants a one-sided approach at ±oo
    value = await compute(sp.limit, expr, var, p, direction_used)
    numeric = _numeric(value)
    side = {"+": "⁺", "-": "⁻", "+-": ""}[direction] if not p.is_infinite else ""
    return tool_result(
        f"lim_({variable}→{_s(p)}{side}) {_s(expr)} = {_s(value)}",
        CalcResult(operation="limit", input=_s(expr), result=_s(value), latex=sp.latex(value), numeric=numeric,
                   details={"variable": variable, "point": _s(p), "direction": direction}),
    )


@mcp.tool(annotations=_READ_ONLY)
async def series(
    expression: str,
    variable: str = "x",
    point: Annotated[float | str, Field(description="expansion point")] = 0,
    order: Annotated[int, Field(ge=1, le=30, description="number of terms: the O() order")] = 6,
) -> ToolOut:
    """Taylor/Laurent series expansion of an expression around a point, up to O((x-point)**order)."""
    var = _symbol(variable)
    expr = parse(expression, var)
    p = parse(point, what="point")
    s = await compute(sp.series, expr, var, p, order)
    polynomial = s.removeO()
    return tool_result(
        f"{_s(expr)} = {_s(s)}  (around {variable} = {_s(p)})",
        CalcResult(operation="series", input=_s(expr), result=_s(s), latex=sp.latex(s),
                   details={"variable": variable, "point": _s(p), "order": order,
                            "polynomial": _s(polynomial)}),
    )


@mcp.tool(annotations=_READ_ONLY)
async def solve(
    equation: Annotated[str, Field(description="equation like x**2 - 4 = 0 or expression meaning '= 0'")],
    variable: str = "x",
) -> ToolOut:
    """Solve an equation (or expression = 0) for a variable; returns all solutions sympy finds."""
    var = _symbol(variable)
    text = equation.replace("==", "=") if isinstance(equation, str) else equation
    if isinstance(text, str) and text.count("=") > 1:
        raise ToolError("equation may contain at most one '='")
    if isinstance(text, str) and "=" in text:
        lhs_s, rhs_s = text.split("=")
        lhs, rhs = parse(lhs_s, var, what="left-hand side"), parse(rhs_s, var, what="right-hand side")
        eq = sp.Eq(lhs, rhs)
        shown = f"{_s(lhs)} = {_s(rhs)}"
    else:
        lhs = parse(text, var, what="equation")
        eq = sp.Eq(lhs, 0)
        shown = f"{_s(lhs)} = 0"
    if eq is sp.true or eq is sp.false:
        raise ToolError(f"{shown} does not depend on {variable} (it is always {bool(eq)})")
    sols = await compute(sp.solve, eq, var)
    sol_strs = [_s(s) for s in sols]
    if sol_strs:
        text_out = f"{shown}  ⇒  " + ", ".join(f"{variable} = {s}" for s in sol_strs)
    else:
        text_out = f"{shown}: no solutions found"
    return tool_result(
        text_out,
        CalcResult(operation="solve", input=shown, result=", ".join(sol_strs) if sol_strs else "no solution",
                   latex=", ".join(sp.latex(s) for s in sols), solutions=sol_strs,
                   details={"variable": variable,
                            "numeric": [v for v in (_numeric(s) for s in sols) if v is not None]}),
    )


@mcp.tool(annotations=_READ_ONLY)
async def simplify(expression: str) -> ToolOut:
    """Simplify an expression (trig identities, cancellation, ...)."""
    expr = parse(expression)
    out = await compute(sp.simplify, expr)
    return tool_result(
        f"{_s(expr)} = {_s(out)}",
        CalcResult(operation="simplify", input=_s(expr), result=_s(out), latex=sp.latex(out), numeric=_numeric(out)),
    )


@mcp.tool(annotations=_READ_ONLY)
async def evaluate(
    expression: str,
    values: Annotated[
        dict[str, float | str],
        Field(description='values to substitute, e.g. {"x": 2, "y": "pi/4"}'),
    ] = {},  # noqa: B006 - pydantic copies defaults
) -> ToolOut:
    """Substitute values into an expression and evaluate it numerically."""
    symbols = [_symbol(k, "value") for k in values]
    expr = parse(expression, *symbols)
    subs = {sym: parse(values[str(sym)], what=f"value of {sym}") for sym in symbols}
    unknown = {str(s) for s in expr.free_symbols} - {str(s) for s in subs}
    exact = await compute(lambda: sp.simplify(expr.subs(subs)))
    numeric = _numeric(exact)
    if numeric is not None:
        text = f"{_s(expr)} at {', '.join(f'{k}={_s(v)}' for k, v in subs.items()) or 'no substitutions'} = " \
               f"{_s(exact)} ≈ {numeric:.12g}"
    else:
        text = f"{_s(expr)} with {', '.join(f'{k}={_s(v)}' for k, v in subs.items())} = {_s(exact)}"
        if unknown:
            text += f"  (unbound symbols: {', '.join(sorted(unknown))})"
    return tool_result(
        text,
        CalcResult(operation="evaluate", input=_s(expr), result=_s(exact), latex=sp.latex(exact), numeric=numeric,
                   details={"unbound": sorted(unknown)} if unknown else None),
    )


@mcp.tool(annotations=_READ_ONLY)
async def critical_points(expression: str, variable: str = "x") -> ToolOut:
    """Find real critical points (f'(x) = 0) and classify them with the second-derivative test."""
    var = _symbol(variable)
    expr = parse(expression, var)

    def work() -> list[dict[str, Any]]:
        d1, d2 = sp.diff(expr, var), sp.diff(expr, var, 2)
        out = []
        for c in sp.solve(sp.Eq(d1, 0), var):
            if c.is_real is False:
                continue
            curv = sp.simplify(d2.subs(var, c))
            kind = ("local minimum" if curv.is_positive else "local maximum" if curv.is_negative
                    else "inconclusive (f'' = 0)" if curv.is_zero else "unknown")
            out.append({"point": _s(c), "value": _s(sp.simplify(expr.subs(var, c))), "kind": kind,
                        "numeric": _numeric(c)})
        return out

    pts = await compute(work)
    lines = [f"{variable} = {p['point']}: f = {p['value']}, {p['kind']}" for p in pts]
    return tool_result(
        f"critical points of {_s(expr)}: " + ("; ".join(lines) if lines else "none found"),
        CalcResult(operation="critical_points", input=_s(expr), result="; ".join(lines) or "none",
                   latex=", ".join(p["point"] for p in pts), solutions=[p["point"] for p in pts],
                   details={"points": pts}),
    )


# --------------------------------------------------------------------------------------------
# prompts and resources

FORMULAS: dict[str, str] = {
    "power_rule": "d/dx x**n = n*x**(n-1)",
    "product_rule": "d/dx [f*g] = f'*g + f*g'",
    "quotient_rule": "d/dx [f/g] = (f'*g - f*g')/g**2",
    "chain_rule": "d/dx f(g(x)) = f'(g(x))*g'(x)",
    "integration_by_parts": "∫ u dv = u*v - ∫ v du",
    "fundamental_theorem": "∫_a^b f'(x) dx = f(b) - f(a)",
    "taylor_series": "f(x) = Σ_{n≥0} f^(n)(a)/n! * (x-a)**n",
    "lhopital": "lim f/g = lim f'/g' when f/g → 0/0 or ∞/∞",
}


@mcp.prompt(title="Explain a derivative")
def explain_derivative(expression: str, level: str = "undergraduate") -> str:
    """Ask the model to differentiate an expression step by step and explain each rule used."""
    return (
        f"Differentiate {expression} with respect to x, step by step, for a {level} audience. "
        "Name each rule you use (power, product, quotient, chain), then check the final answer "
        "with the calculus differentiate tool."
    )


@mcp.prompt(title="Plan an integration")
def integration_strategy(expression: str) -> str:
    """Ask the model to choose an integration technique for an integrand before integrating."""
    return (
        f"Which technique (substitution, parts, partial fractions, trig substitution) fits ∫ {expression} dx? "
        "Justify the choice, carry it out, and verify by differentiating the result."
    )


@mcp.resource("calculus://identities", name="identities", title="Calculus identities", mime_type="text/markdown")
def identities() -> str:
    """A cheat sheet of common derivative and integral identities."""
    lines = ["# Calculus identities", ""]
    lines += [f"- **{k}**: `{v}`" for k, v in FORMULAS.items()]
    lines += ["", "Derivatives: sin→cos, cos→-sin, exp→exp, log(x)→1/x.",
              "Integrals: ∫1/x dx = log|x| + C, ∫exp(x) dx = exp(x) + C."]
    return "\n".join(lines)


@mcp.resource("calculus://formula/{name}", name="formula", title="One calculus formula", mime_type="text/plain")
def formula(name: str) -> str:
    """A single named formula; names: power_rule, product_rule, quotient_rule, chain_rule,
    integration_by_parts, fundamental_theorem, taylor_series, lhopital."""
    if name not in FORMULAS:
        raise ResourceNotFoundError(f"unknown formula {name!r}; known: {', '.join(FORMULAS)}")
    return f"{name}: {FORMULAS[name]}"


def main(argv: list[str] | None = None) -> None:
    args = build_arg_parser("calculus.py", "calculus-helper example MCP server", DEFAULT_PORT).parse_args(argv)
    setup_logging(args.log_level)
    if args.enable_dynamic_tools:
        DynamicTools(mcp, hub).install()
    serve(mcp, args, hub)


if __name__ == "__main__":
    main()
