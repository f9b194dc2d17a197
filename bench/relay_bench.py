#!/usr/bin/env python3
"""What a call costs when the gateway relays it (clients that accept server→client requests), side by
side with the direct path, in one run.

Usage: MCP_GATEWAY_BIN=.build/release/mcp-gateway bench/relay_bench.py [--calls N] [--out FILE]

Two real MCP servers (tests/transparency_server.py, the official SDK, stateful streamable HTTP) behind
Envoy + the gateway (the shipped envoy-noauth config, through tests/federation_stack.py). Sequential
calls from the official SDK client (`mode="legacy"`), timed per call, for:

  plain call        `whoami`, a client that declares no elicitation/sampling/roots: Envoy forwards
                    directly (the fast path) — vs the same call straight to the server;
  relayed call      `whoami`, a client that declares elicitation: the gateway relays the call itself;
  elicitation call  `ask_name`, which asks the client one question mid-call: server→client request out
                    (id sealed), the client's answer back (id restored), then the result.

Each row: p50 / p90 / p99 per call in ms, through the gateway and directly, and the difference at p50.
The client is the same in both columns, so the difference is what Envoy + the gateway add.
"""
import argparse
import datetime
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import anyio  # noqa: E402
import mcp_types as types  # noqa: E402
from mcp import Client  # noqa: E402

from federation_stack import stack_with_servers  # noqa: E402


def pct(samples, p):
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))] * 1000


def bench_args(calls=200):
    """The era and relay benches' command line: how many calls per row, and where to write the table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=calls)
    ap.add_argument("--out")
    return ap.parse_args()


def run_with_transparency_servers(servers, tools, attribute, run, calls):
    """Starts tests/transparency_server.py instances (`servers`: name -> extra args) behind Envoy + the
    gateway, waits for `tools`, and returns `run(stack, calls)` (stack.<attribute>[name] is each server)."""
    from federation_stack import ScriptServer
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(tmp)
        makers = {name: (lambda name=name, extra=extra: ScriptServer(name, "transparency_server.py", log_dir, *extra))
                  for name, extra in servers.items()}
        with stack_with_servers(log_dir, makers, tools, attribute) as stack:
            return anyio.run(run, stack, calls)


def write_table(title, calls, rows, out):
    """Prints (and writes to `out`) the per-call latency table of `rows` [(label, via, direct)]."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    lines = [f"# {title}", "",
             f"Machine: {platform.machine()}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores; "
             f"commit {commit}; `{' '.join(sys.argv)}`; {calls} sequential calls per row after 20 warm-up calls, official SDK client.", "",
             "| call | through Envoy + gateway p50 / p90 / p99 (ms) | direct to the server p50 / p90 / p99 (ms) | added at p50 (ms) |",
             "|---|---|---|---|"]
    for label, via, base in rows:
        lines.append(f"| {label} | {pct(via, 50):.2f} / {pct(via, 90):.2f} / {pct(via, 99):.2f} | "
                     f"{pct(base, 50):.2f} / {pct(base, 90):.2f} / {pct(base, 99):.2f} | {pct(via, 50) - pct(base, 50):+.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if out:
        Path(out).write_text(text)


async def timed(url, tool, args, calls, elicit, mode="legacy"):
    """Seconds per call of `calls` sequential `tool` calls by the SDK client in `mode` (after 20 warm-up
    calls), answering elicitations if `elicit` (the client then declares the capability)."""
    async def answer(context, params):
        return types.ElicitResult(action="accept", content={"name": "Ada"})

    kwargs = dict(mode=mode)
    if elicit:
        kwargs["elicitation_callback"] = answer
    async with Client(url, **kwargs) as client:
        for _ in range(20):  # warm-up: sessions opened, connections pooled
            await client.call_tool(tool, args)
        out = []
        for _ in range(calls):
            t = time.perf_counter()
            result = await client.call_tool(tool, args)
            out.append(time.perf_counter() - t)
            assert not result.is_error, result
        return out


async def run(stack, calls):
    direct = stack.transparency["alpha"].url
    rows = []
    for label, tool, args, elicit in [("plain call (fast path)", "whoami", {}, False),
                                      ("relayed call (client accepts elicitation)", "whoami", {}, True),
                                      ("call with one elicitation round trip", "ask_name", {}, True)]:
        via = await timed(stack.url, f"alpha_{tool}", args, calls, elicit)
        base = await timed(direct, tool, args, calls, elicit)
        rows.append((label, via, base))
    return rows


def main():
    a = bench_args(calls=300)
    rows = run_with_transparency_servers({"alpha": [], "beta": []}, ["alpha_whoami"], "transparency", run, a.calls)
    write_table(f"Relayed calls vs the direct path ({datetime.date.today()})", a.calls, rows, a.out)

if __name__ == "__main__":
    main()
