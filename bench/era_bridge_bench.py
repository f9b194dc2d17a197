#!/usr/bin/env python3
"""What a translated call costs (2026-07-28 client -> handshake-era-only server, through the bridge),
side by side with same-era calls, in one run.

Usage: [MCP_GATEWAY_BIN=.build/release/mcp-gateway] bench/era_bridge_bench.py [--calls N] [--out FILE]

Two tests/transparency_server.py instances behind Envoy + the gateway (no auth): `both` speaks both
eras, `old` only the handshake era (`--era handshake`). Sequential `whoami` / `ask_name` calls from the
official SDK client, timed per call:

  same-era 2026-07-28     Client(mode="2026-07-28") -> both_whoami: Envoy forwards directly (fast path)
  translated              Client(mode="2026-07-28") -> old_whoami: the bridge (relay port, backend
                          session from the envelope; anonymous caller: a session per call, ended after)
  same-era 2025-11-25     Client(mode="legacy") -> old_whoami: the handshake fast path
  translated + 1 input    Client(mode="2026-07-28") -> old_ask_name: input_required, retry, answer
  same-era + 1 input      Client(mode="legacy") -> old_ask_name: relayed call, one elicitation
"""
import datetime
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))


from relay_bench import bench_args, pct, run_with_transparency_servers, timed  # noqa: E402


async def run(stack, calls):
    rows = []
    for label, mode, tool in [("same-era 2026-07-28 (fast path)", "2026-07-28", "both_whoami"),
                              ("translated 2026-07-28 -> handshake server", "2026-07-28", "old_whoami"),
                              ("same-era 2025-11-25 (fast path)", "legacy", "old_whoami"),
                              ("translated, one input_required round", "2026-07-28", "old_ask_name"),
                              ("same-era 2025-11-25, one elicitation (relayed)", "legacy", "old_ask_name")]:
        # Only the input rows declare elicitation: a 2025 client that declares it is relayed on every call.
        rows.append((label, await timed(stack.url, tool, {}, calls, elicit=tool.endswith("ask_name"), mode=mode)))
    return rows


def main():
    a = bench_args()
    rows = run_with_transparency_servers({"both": [], "old": ["--era", "handshake"]}, ["both_whoami", "old_whoami"], "servers",
                                         run, a.calls)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    lines = [f"# Translated calls (2026-07-28 client -> handshake-era server) vs same-era calls ({datetime.date.today()})", "",
             f"Machine: {platform.machine()}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores; "
             f"commit {commit}; `{' '.join(sys.argv)}`; {a.calls} sequential calls per row after 20 warm-up calls, official SDK client, "
             "all through Envoy + gateway.", "",
             "| call | p50 / p90 / p99 (ms) | vs same-era 2026-07-28 at p50 (ms) |", "|---|---|---|"]
    base = pct(rows[0][1], 50)
    for label, samples in rows:
        lines.append(f"| {label} | {pct(samples, 50):.2f} / {pct(samples, 90):.2f} / {pct(samples, 99):.2f} | {pct(samples, 50) - base:+.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        Path(a.out).write_text(text)


if __name__ == "__main__":
    main()
