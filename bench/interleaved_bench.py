#!/usr/bin/env python3
"""tools/call on several paths, interleaved: every path is started once and stays up (idle while the
others are measured), then measured in rounds, each round visiting every path in a rotated order.
On a shared or noisy machine (a VM whose neighbours come and go) this keeps a slow minute from
landing on one row only: each path gets the same mix of good and bad moments, and the ratios hold.

Reports per path: median req/s of the rounds (min-max), p50/p99, Envoy and gateway CPU per 1,000
calls, ext_proc messages per request, and latency at a common rate (half the no-auth gateway's
median peak), with the added p50/p99 over Envoy alone and over the no-auth gateway.

Usage: bench/interleaved_bench.py [--paths alone,gateway,native] [--gateway-auth jwt,tokenreview,jwt_authz]
                                  [--rounds 5] [--duration 5] [--out FILE]
MCP_GATEWAY_BIN: the gateway (release build); MCP_GATEWAY_BIN_BEFORE / MCP_BENCH_VARIANT_ENVOY as in run_bench.
"""
import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
import mcp_suite  # noqa: E402
from mcp_suite import EXTPROC_STAT, Backend, _stopping, cpu_seconds, start_path, verify_path  # noqa: E402


def measure_once(p, backend, session, args, delay_ms=None):
    procs = dict(p.procs)
    procs["backend"] = backend
    cpu0 = {k: cpu_seconds(proc.popen.pid) for k, proc in procs.items()}
    gw = "gateway" in p.procs
    envoy = p.procs.get("envoy")
    msgs0 = (envoy.stat(EXTPROC_STAT + "stream_msgs_sent"), envoy.stat(EXTPROC_STAT + "stream_msgs_received")) if gw else None
    r = mcp_suite.run_wrk(p.port, args.duration, args.connections, args.workload, p, session, delay_ms=delay_ms)
    for k, proc in procs.items():
        r[f"{k}_cpu"] = (cpu_seconds(proc.popen.pid) - cpu0[k]) / max(1, r["requests"]) * 1000
    if gw:
        r["msgs"] = ((envoy.stat(EXTPROC_STAT + "stream_msgs_sent") - msgs0[0]) / max(1, r["requests"]),
                     (envoy.stat(EXTPROC_STAT + "stream_msgs_received") - msgs0[1]) / max(1, r["requests"]))
    return r


def med(rows, key):
    vals = [r[key] for r in rows if key in r]
    return statistics.median(vals) if vals else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", default="alone,gateway,native")
    ap.add_argument("--gateway-auth", default="")
    ap.add_argument("--workload", default="call", choices=["call", "list"])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--no-half-load", action="store_true")
    ap.add_argument("--envoy-concurrency", type=int, default=2)
    ap.add_argument("--gateway-threads", type=int, default=2)
    ap.add_argument("--backend-threads", type=int, default=1)
    ap.add_argument("--out")
    args = ap.parse_args()
    keys = [k for k in args.paths.split(",") if k] + ["gateway_" + a for a in args.gateway_auth.split(",") if a]
    peak, half = {}, {}
    names = {}
    with tempfile.TemporaryDirectory(prefix="interleaved-") as d, ExitStack() as stack:
        tmp = Path(d)
        backend = stack.enter_context(_stopping(Backend(tmp, 2, threads=args.backend_threads)))
        paths = []
        for key in keys:
            row = tmp / key
            row.mkdir()
            p = start_path(key, stack, row, backend, 2, args)
            session = None if args.workload == "init_call" else verify_path(p, 2)
            names[key] = p.name
            mcp_suite.run_wrk(p.port, args.warmup, args.connections, args.workload, p, session)
            paths.append((key, p, session))
        for rnd in range(args.rounds):
            order = paths[rnd % len(paths):] + paths[:rnd % len(paths)]
            for key, p, session in order:
                r = measure_once(p, backend, session, args)
                peak.setdefault(key, []).append(r)
                print(f"round {rnd + 1} {p.name:48s} {r['rps']:.0f} req/s p50 {r['p50_us'] / 1000:.2f} ms", flush=True)
        base_key = "gateway" if "gateway" in peak else keys[0]
        rate = statistics.median(r["rps"] for r in peak[base_key]) / 2
        if not args.no_half_load:
            interval_ms = args.connections * 1000.0 / rate
            for rnd in range(max(2, args.rounds // 2 + 1)):
                order = paths[rnd % len(paths):] + paths[:rnd % len(paths)]
                for key, p, session in order:
                    delay = half.get(key, [{}])[-1].get("delay_ms", max(0.0, interval_ms - 0.8))
                    r = measure_once(p, backend, session, args, delay_ms=delay)
                    # Tune each path's pause towards the common rate for its next visit.
                    latency_ms = max(0.0, args.connections * 1000.0 / max(1.0, r["rps"]) - delay)
                    r["delay_ms"] = max(0.0, interval_ms - latency_ms)
                    half.setdefault(key, []).append(r)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    alone = med(peak.get("alone", []), "rps")
    native_cpu = med(peak.get("native", []), "envoy_cpu")
    gw_rps = med(peak.get("gateway", []), "rps")
    out = [f"# {args.workload}: paths interleaved ({datetime.date.today().isoformat()})", "",
           f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}. Commit {commit}. {args.connections} "
           f"connections (wrk, HTTP/1.1), {args.rounds} rounds of {args.duration} s per path, every path up for the whole run and "
           "visited in a rotated order each round; medians of the rounds.", "", "Command:", "", "```",
           " ".join(["bench/interleaved_bench.py"] + sys.argv[1:]), "```", "",
           "| path | req/s median (min-max) | vs Envoy alone | vs no-auth gateway | vs no-auth gateway, same round (median, min-max) | "
           "p50 ms | p99 ms | Envoy CPU s/1k | gateway CPU s/1k | Envoy+gateway CPU vs native | ext_proc msgs/request (sent / received) |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for key in keys:
        rows = peak[key]
        rps = med(rows, "rps")
        cpu = (med(rows, "envoy_cpu") or 0) + (med(rows, "gateway_cpu") or 0)
        msgs = [r["msgs"] for r in rows if "msgs" in r]
        out.append(f"| {names[key]} | {rps:.0f} ({min(r['rps'] for r in rows):.0f}-{max(r['rps'] for r in rows):.0f}) | "
                   f"{rps / alone:.2f}x | " if alone else f"| {names[key]} | {rps:.0f} | - | ")
        out[-1] += (f"{rps / gw_rps:.2f}x | " if gw_rps else "- | ")
        # Paired by round: each round measures every path within a minute, so a slow minute of the
        # machine weighs on both sides of the ratio.
        paired = [r["rps"] / g["rps"] for r, g in zip(rows, peak.get("gateway", []))]
        out[-1] += (f"{statistics.median(paired):.2f}x ({min(paired):.2f}-{max(paired):.2f}) | " if paired else "- | ")
        out[-1] += (f"{med(rows, 'p50_us') / 1000:.2f} | {med(rows, 'p99_us') / 1000:.2f} | {med(rows, 'envoy_cpu'):.3f} | "
                    f"{(med(rows, 'gateway_cpu') or 0):.3f} | " + (f"{cpu / native_cpu:.2f}x" if native_cpu else "-") + " | "
                    + (f"{statistics.median(m[0] for m in msgs):.2f} / {statistics.median(m[1] for m in msgs):.2f}" if msgs else "-") + " |")
    if half:
        settled = lambda key: half.get(key, [])[1:] or half.get(key, [])  # the first visit tunes the pause
        a50 = med(settled("alone"), "p50_us")
        g50, g99 = med(settled("gateway"), "p50_us"), med(settled("gateway"), "p99_us")
        out += ["", f"Latency at a common rate (half the no-auth gateway's median peak, {rate:.0f} req/s; closed loop with a "
                    "per-request pause, tuned per path between visits):", "",
                "| path | req/s reached | p50 ms | p99 ms | added p50 ms vs Envoy alone | added p50 ms vs no-auth gateway | added p99 ms vs no-auth gateway |",
                "|---|---|---|---|---|---|---|"]
        for key in keys:
            rows = settled(key)
            p50, p99 = med(rows, "p50_us"), med(rows, "p99_us")
            out.append(f"| {names[key]} | {med(rows, 'rps'):.0f} | {p50 / 1000:.2f} | {p99 / 1000:.2f} | "
                       + (f"{(p50 - a50) / 1000:+.2f} | " if a50 else "- | ")
                       + (f"{(p50 - g50) / 1000:+.2f} | {(p99 - g99) / 1000:+.2f} |" if g50 else "- | - |"))
    text = "\n".join(out) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
