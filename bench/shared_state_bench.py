#!/usr/bin/env python3
"""What shared state in Redis (`sharedState.redis`) costs per call: Envoy + gateway with it off and on,
side by side in one run, interleaved round by round so every variant meets the same machine noise.

Usage: MCP_GATEWAY_BIN=.build/release/mcp-gateway bench/shared_state_bench.py [--rounds 3] [--duration 5]
                                                      [--connections 16] [--out FILE]

One mcp-bench-backend (2 servers), one local redis-server, and these paths, all running at once:

  Envoy alone                          the plain route (no ext_proc): the floor
  gateway, no rate limit, Redis off    today's default
  gateway, no rate limit, Redis on     sharedState.redis set: revocations polled, backend sessions recorded
  gateway, rate limit, Redis off       one limit on every tools/call, counted in the replica's buckets
  gateway, rate limit, Redis on        the same limit counted in Redis: one EVAL round trip per tools/call

Workloads (bench/wrk-mcp.lua): `call` (tools/call on an established session: the backend session is
in the local table, so Redis is only touched by the rate limit) and `init_call` (initialize + first
tools/call, a new client session each time: a local miss, so with Redis on one GET and one EVAL
claim per new backend session). Each round runs every (workload, path) for `--duration` seconds in
turn; the table shows the median round per cell (req/s, p50/p99) and the ratio to its Redis-off twin.
"""
import argparse
import datetime
import json
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
from harness import Proc, free_port, gateway_binary, wait_for_http, wait_for_port  # noqa: E402
from mcp_suite import (Backend, Envoy, Path_, _stopping, gateway_config, gateway_envoy_config, run_wrk,  # noqa: E402
                       server_name, start_path, verify_path)

LIMIT = [{"calls": 1_000_000_000, "perSeconds": 60, "key": "identity_tool"}]  # never reached: the cost of counting


class Args:
    envoy_concurrency = 1
    gateway_threads = 2


def start_gateway(stack, tmp, backend, label, extra):
    """Envoy + the gateway with `extra` merged into gateway.json; returns a mcp_suite Path_."""
    p = Path_(label, "gateway")
    d = tmp / label.replace(" ", "_").replace(",", "")
    d.mkdir()
    listen, admin, grpc, gw_admin = free_port(), free_port(), free_port(), free_port()
    names_ports = [(server_name(i), backend.ports[i]) for i in range(2)]
    cfg = gateway_config(d, [pp for _, pp in names_ports], server_name, extra)
    gw = stack.enter_context(_stopping(Proc("gateway", [str(gateway_binary()), "--config", str(cfg), "--grpc-listen", f"127.0.0.1:{grpc}",
                                                        "--admin-listen", f"127.0.0.1:{gw_admin}", "--threads", "2"], d)))
    wait_for_http(f"http://127.0.0.1:{gw_admin}/healthz")
    ecfg = gateway_envoy_config(ROOT / "envoy" / "envoy-noauth.yaml", d / "envoy.yaml", names_ports,
                                {8080: listen, 9901: admin, 50051: grpc, 9090: gw_admin})
    envoy = stack.enter_context(_stopping(Envoy(d, ecfg, listen, admin, name="envoy", concurrency=1)))
    p.procs = {"envoy": envoy, "gateway": gw}
    p.port, p.tool1, p.tool2 = listen, "s01_tool_0", "s02_tool_1"
    p.admin = gw_admin
    return p


def metric(port, name):
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        return sum(float(l.split()[-1]) for l in r.read().decode().splitlines() if l.startswith(name))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--out")
    a = ap.parse_args()
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    results = {}
    with tempfile.TemporaryDirectory() as t, ExitStack() as stack:
        tmp = Path(t)
        redis_port = free_port()
        stack.enter_context(_stopping(Proc("redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                                                             "--save", "", "--appendonly", "no"], tmp)))
        wait_for_port(redis_port)
        shared = {"sharedState": {"redis": {"url": f"redis://127.0.0.1:{redis_port}/0", "keyPrefix": "bench:"}}}
        backend = stack.enter_context(_stopping(Backend(tmp, 2, threads=1)))
        alone = start_path("alone", stack, tmp, backend, 2, Args)
        paths = [alone,
                 start_gateway(stack, tmp, backend, "gateway, no rate limit, Redis off", {}),
                 start_gateway(stack, tmp, backend, "gateway, no rate limit, Redis on", shared),
                 start_gateway(stack, tmp, backend, "gateway, rate limit, Redis off", {"rateLimits": LIMIT}),
                 start_gateway(stack, tmp, backend, "gateway, rate limit, Redis on", {"rateLimits": LIMIT, **shared})]
        sessions = {p.name: verify_path(p, 2) for p in paths}
        for workload in ("call", "init_call"):
            for p in paths:  # warm-up
                run_wrk(p.port, 1, a.connections, workload, p, None if workload == "init_call" else sessions[p.name])
        for rnd in range(a.rounds):
            for workload in ("call", "init_call"):
                for p in paths:
                    r = run_wrk(p.port, a.duration, a.connections, workload, p, None if workload == "init_call" else sessions[p.name])
                    results.setdefault((workload, p.name), []).append(r)
                    print(f"round {rnd + 1} {workload:9s} {p.name:36s} {r['rps']:8.0f} req/s p50 {r['p50_us'] / 1000:.2f} ms "
                          f"p99 {r['p99_us'] / 1000:.2f} ms errors {r['errors']} non2xx {r['non2xx']}", flush=True)
        redis_calls = {p.name: metric(p.admin, "mcp_shared_backend_sessions_total") for p in paths if "Redis on" in p.name}
        info = subprocess.run(["redis-cli", "-p", str(redis_port), "info", "commandstats"], capture_output=True, text=True).stdout
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    write(a, results, paths, load_before, load_after, redis_calls, info)


def write(a, results, paths, load_before, load_after, redis_calls, info):
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    lines = [f"# Shared state in Redis: tools/call with it off and on ({datetime.date.today()})", "",
             f"Machine: {platform.machine()}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores, "
             f"shared with other builds (load average {' '.join(load_before)} before, {' '.join(load_after)} after); commit {commit}; "
             f"`{' '.join(sys.argv)}`; gateway {gateway_binary()}; `redis-server` {redis_version()} on loopback; "
             f"{a.rounds} interleaved rounds of {a.duration} s per cell, {a.connections} connections, wrk -t 1; each cell is the "
             "median round (min-max req/s of the rounds in brackets).", ""]
    for workload, title in (("call", "tools/call on an established session"),
                            ("init_call", "initialize + first tools/call (a new client session each time)")):
        lines += [f"## {title}", "", "| path | req/s (min-max) | p50 ms | p99 ms | req/s vs Redis off | p50 vs Redis off |",
                  "|---|---|---|---|---|---|"]
        med = {}
        for p in paths:
            runs = sorted(results[(workload, p.name)], key=lambda r: r["rps"])
            m = runs[len(runs) // 2]
            med[p.name] = m
            twin = med.get(p.name.replace("Redis on", "Redis off")) if "Redis on" in p.name else None
            ratio = f"{m['rps'] / twin['rps']:.3f}" if twin else ""
            dp50 = f"{(m['p50_us'] - twin['p50_us']) / 1000:+.3f} ms" if twin else ""
            errs = sum(r["errors"] + r["non2xx"] for r in runs)
            lines.append(f"| {p.name}{' (' + str(errs) + ' errors)' if errs else ''} | {m['rps']:.0f} ({runs[0]['rps']:.0f}-{runs[-1]['rps']:.0f}) | "
                         f"{m['p50_us'] / 1000:.2f} | {m['p99_us'] / 1000:.2f} | {ratio} | {dp50} |")
        lines.append("")
    stats = [l for l in info.splitlines() if l.startswith("cmdstat_")]
    lines += ["Redis commands served during the whole run (`redis-cli info commandstats`):", "", "```", *stats, "```", "",
              "Backend-session lookups resolved through Redis (`mcp_shared_backend_sessions_total`, all outcomes): "
              + ", ".join(f"{k}: {v:.0f}" for k, v in redis_calls.items()), ""]
    text = "\n".join(lines)
    print(text)
    if a.out:
        Path(a.out).write_text(text)


def redis_version():
    out = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout
    return next((w[2:] for w in out.split() if w.startswith("v=")), "?")


if __name__ == "__main__":
    main()
