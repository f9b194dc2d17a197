#!/usr/bin/env python3
"""What a call costs when the gateway bridges eras (a handshake-era client calling a server that speaks
only 2026-07-28), side by side with a same-era call through the gateway, in one run.

Usage: [MCP_GATEWAY_BIN=.build/release/mcp-gateway] bench/era_bridge_legacy_bench.py [--calls N] [--out FILE]

Two tests/transparency_server.py instances behind Envoy + the gateway: `alpha` speaks both eras (a
handshake-era client reaches it in its own era), `modern` is pinned to 2026-07-28 (`--era modern`).
Sequential calls from the official SDK client, timed per call:

  plain call          `whoami` from a `legacy` client declaring no capabilities: same era = Envoy's fast
                      path; bridged = relayed by the gateway as a 2026-07-28 request;
  elicitation call    `resolve_name` from a `legacy` client with an elicitation callback: same era = a
                      server→client request relayed on the call's stream; bridged = the server's
                      InputRequiredResult turned into that request, the answer sent back as a retry.

Controls: the same call straight to the server, by a `legacy` client (alpha) or a strict 2026-07-28
client (modern; the pair shares no era). Each cell: p50 / p90 / p99 in ms.
"""
import datetime
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))


from relay_bench import bench_args, run_with_transparency_servers, timed, write_table  # noqa: E402


async def run(stack, calls):
    rows = []
    for label, tool, elicit in [("plain call", "whoami", False), ("elicitation call", "resolve_name", True)]:
        for era, server, direct_mode in [("same era (handshake)", "alpha", "legacy"), ("bridged (→ 2026-07-28)", "modern", "2026-07-28")]:
            via = await timed(stack.url, f"{server}_{tool}", {}, calls, elicit)
            base = await timed(stack.bench[server].url, tool, {}, calls, elicit, mode=direct_mode)
            rows.append((f"{label}, {era}", via, base))
    return rows


def main():
    a = bench_args()
    rows = run_with_transparency_servers({"alpha": [], "modern": ["--era", "modern"]}, ["alpha_whoami", "modern_whoami"], "bench",
                                         run, a.calls)
    write_table(f"Era bridge: a handshake-era client to a 2026-07-28-only server vs a same-era call ({datetime.date.today()})",
                a.calls, rows, a.out)

if __name__ == "__main__":
    main()
