#!/usr/bin/env python3
"""Side-by-side benchmarks in one run: the same load, the same backends, different paths.

Usage: bench/run_bench.py [--suite transport|mcp|all] [--duration S] [--connections N] [--smoke] [--out FILE]

  transport  a fixed HTTP body through: a fast backend directly, Envoy alone, Envoy + gateway ext_proc
             in pass-through mode (the cost of the ext_proc hop itself)
  mcp        real MCP (bench/mcp_suite.py) on mcp-bench-backend servers: tools/call, tools/list,
             initialize + first call, mixed; through the backend directly, Envoy alone, Envoy + gateway,
             Envoy + Envoy's native mcp/mcp_router filters; and tools/list with 2 vs 18 servers
  all        both (the default)

Each scenario starts its own processes on loopback, verifies the path answers correctly, warms up,
runs wrk (bounded in time), reads CPU seconds and peak RSS from /proc, and stops everything (also on
errors). Results are printed and written as markdown (bench/results/<suite>-<date>.md unless --out)
with the date, machine, commit and exact command. --smoke runs every scenario for ~1 s and writes
nothing unless --out is given (for CI).

The gateway is MCP_GATEWAY_BIN (else .build/debug/mcp-gateway: use `make bench`, which builds release);
the backend is MCP_BENCH_BACKEND_BIN, else .build/release/mcp-bench-backend (built if missing).
--gateway-auth jwt,jwt_authz,tokenreview,tokenreview_authz adds authenticated paths (a token on every request):
reviewed inside ext_proc (envoy/envoy.yaml) or by Envoy's ext_authz in front (envoy/envoy-ext-authz.yaml).
"""
import argparse
import datetime
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from harness import Proc, free_port, gateway_binary, render_envoy_config, wait_for_port  # noqa: E402
import mcp_suite  # noqa: E402
from mcp_suite import Envoy, SafeGateway as Gateway  # noqa: E402  (stop their process if start-up fails)

CLK_TCK = os.sysconf("SC_CLK_TCK")
WARMUP = []  # set from --warmup


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wrk(url, duration, connections, threads=1, script=None, extra=()):
    args = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--timeout", "5s",
            "-s", str(script or ROOT / "bench" / "wrk-report.lua"), *extra, url]
    out = subprocess.run(args, capture_output=True, text=True, timeout=duration + 30).stdout
    line = [l for l in out.splitlines() if l.startswith("{")][-1]
    return json.loads(line)


class Scenario:
    def __init__(self, name, url_path="/"):
        self.name = name
        self.url_path = url_path
        self.procs = {}

    def measure(self, port, duration, connections, warmup=2, **wrk_args):
        warmup = WARMUP[0] if WARMUP else warmup
        url = f"http://127.0.0.1:{port}{self.url_path}"
        wrk(url, warmup, connections, **wrk_args)
        before = {k: cpu_seconds(p.popen.pid) for k, p in self.procs.items()}
        result = wrk(url, duration, connections, **wrk_args)
        for k, p in self.procs.items():
            used = cpu_seconds(p.popen.pid) - before[k]
            result[f"{k}_cpu_s_per_1k"] = used / max(1, result["requests"]) * 1000
            result[f"{k}_peak_rss_mb"] = peak_rss_mb(p.popen.pid)
        return result


def run_transport(args, tmp):
    backend_port = free_port()
    backend_cfg = render_envoy_config(ROOT / "bench/configs/backend-direct.yaml", tmp / "backend.yaml",
                                      {9101: backend_port, 9911: free_port()})
    backend = Proc("backend", [str(ROOT / ".venv/bin/envoy"), "-c", str(backend_cfg), "--disable-hot-restart",
                               "--concurrency", "1", "--log-level", "error"], tmp)
    results = {}
    try:
        wait_for_port(backend_port)
        s = Scenario("backend directly")
        results[s.name] = s.measure(backend_port, args.duration, args.connections)

        listen, admin = free_port(), free_port()
        cfg = render_envoy_config(ROOT / "bench/configs/envoy-alone.yaml", tmp / "alone.yaml",
                                  {8080: listen, 9901: admin, 9101: backend_port})
        envoy = Envoy(tmp, cfg, listen, admin, name="envoy-alone")
        try:
            s = Scenario("Envoy alone")
            s.procs = {"envoy": envoy}
            results[s.name] = s.measure(listen, args.duration, args.connections)
        finally:
            envoy.stop()

        gw = Gateway(tmp, threads=2)
        try:
            listen, admin = free_port(), free_port()
            cfg = render_envoy_config(ROOT / "envoy/passthrough.yaml", tmp / "pass.yaml",
                                      {8080: listen, 9901: admin, 50051: gw.grpc_port, 9101: backend_port})
            envoy = Envoy(tmp, cfg, listen, admin, name="envoy-extproc")
            try:
                s = Scenario("Envoy + gateway ext_proc (pass-through, headers both ways)")
                s.procs = {"envoy": envoy, "gateway": gw}
                results[s.name] = s.measure(listen, args.duration, args.connections)
            finally:
                envoy.stop()
        finally:
            gw.stop()
    finally:
        backend.stop()
    return results


def machine():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}"


def commit_id():
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return f"{head} (working tree with uncommitted changes)" if dirty else head


def transport_markdown(results):
    base = next((v for k, v in results.items() if k == "Envoy alone"), None)
    lines = ["| path | req/s | vs Envoy alone | p50 ms | p90 ms | p99 ms | p99.9 ms | errors | Envoy CPU s/1k | gateway CPU s/1k | gateway peak RSS MB |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        ratio = f"{r['rps'] / base['rps']:.2f}x" if base else "-"
        lines.append(
            f"| {name} | {r['rps']:.0f} | {ratio} | {r['p50_us'] / 1000:.2f} | {r['p90_us'] / 1000:.2f} | "
            f"{r['p99_us'] / 1000:.2f} | {r['p999_us'] / 1000:.2f} | {r['errors'] + r['non2xx']} | "
            f"{r.get('envoy_cpu_s_per_1k', 0):.3f} | {r.get('gateway_cpu_s_per_1k', 0):.3f} | "
            f"{r.get('gateway_peak_rss_mb', 0):.1f} |")
    return "\n".join(lines) + "\n"


def to_markdown(suite, transport, mcp, args, command, started, load_before, load_after):
    lines = [f"# Benchmark: {suite}", "",
             f"- date: {started.strftime('%Y-%m-%d %H:%M UTC')}",
             f"- machine: {machine()}", f"- commit: {commit_id()}", f"- command: `{command}`",
             f"- load: wrk, 1 thread, {args.connections} connections, {args.duration} s after a {args.warmup} s warm-up "
             f"(same workload){f', median of {args.repeat} runs per row (req/s range in brackets)' if args.repeat > 1 else ''}, "
             f"loopback; Envoy --concurrency {args.envoy_concurrency}, gateway --threads "
             f"{args.gateway_threads}, mcp-bench-backend --threads {args.backend_threads}",
             f"- binaries: {binaries()}",
             f"- load average (1/5/15 min) before: {load_before}; after: {load_after}", ""]
    if transport:
        lines += ["## Transport: a fixed body, the cost of the ext_proc hop", "", transport_markdown(transport)]
    if mcp:
        lines += ["## MCP workloads", "",
                  "Backends: mcp-bench-backend, two MCP servers (`s01`, `s02`, 72 tools each) in one process. "
                  "Backend directly and Envoy alone reach `s01` only (72 tools, no federation); the gateway and "
                  "the native router federate both (144 tools). Processes are restarted for every row, so peak RSS "
                  "is per workload. CPU s/1k = CPU seconds (user + system) the process used per 1,000 requests "
                  "during the measured run.", "",
                  mcp_suite.mcp_markdown(mcp, args)]
    return "\n".join(lines) + "\n"


def binaries():
    out = []
    for label, get in (("gateway", gateway_binary), ("backend", mcp_suite.backend_binary)):
        try:
            path = Path(get())
            built = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.timezone.utc).strftime("%H:%M UTC")
            out.append(f"{label} `{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}` (built {built})")
        except Exception as e:  # noqa: BLE001
            out.append(f"{label} unknown ({e})")
    return ", ".join(out) + f"; Envoy `{subprocess.run([str(ROOT / '.venv/bin/envoy'), '--version'], capture_output=True, text=True).stdout.split('version:')[-1].strip()}`"


def loadavg():
    return " / ".join(Path("/proc/loadavg").read_text().split()[:3])


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--suite", default="all", choices=["transport", "mcp", "all"])
    ap.add_argument("--smoke", action="store_true", help="every scenario ~1 s (CI smoke test)")
    ap.add_argument("--envoy-concurrency", type=int, default=2)
    ap.add_argument("--gateway-threads", type=int, default=2)
    ap.add_argument("--backend-threads", type=int, default=1)
    ap.add_argument("--gateway-auth", default="none",
                    help="comma list of authenticated paths to add: jwt, tokenreview (the token reviewed in ext_proc: "
                         "envoy/envoy.yaml), jwt_authz, tokenreview_authz (Envoy's ext_authz in front: envoy/envoy-ext-authz.yaml)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="MCP suite: measured runs per row (after one warm-up); the median by req/s is reported, "
                         "with the min-max range")
    ap.add_argument("--paths", default="direct,alone,gateway,native",
                    help="MCP suite paths to run (comma-separated subset of direct,alone,gateway,native)")
    ap.add_argument("--workloads", default="call,list,init_call,mixed,scale",
                    help="MCP suite workloads to run (comma-separated subset of call,list,init_call,mixed,scale)")
    ap.add_argument("--logs", help="keep every process's log and generated config in this directory")
    ap.add_argument("--out")
    args = ap.parse_args()
    # SIGTERM unwinds like Ctrl-C, so every started process is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.smoke:
        args.duration, args.warmup = 1, 1
    WARMUP[:] = [args.warmup]
    command = "bench/run_bench.py " + " ".join(sys.argv[1:])
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = loadavg()
    transport = mcp = None
    with tempfile.TemporaryDirectory(prefix="mcp-bench-") as d:
        tmp = Path(args.logs) if args.logs else Path(d)
        tmp.mkdir(parents=True, exist_ok=True)
        if args.suite in ("transport", "all"):
            log("transport suite...")
            (tmp / "transport").mkdir(exist_ok=True)
            transport = run_transport(args, tmp / "transport")
        if args.suite in ("mcp", "all"):
            log("MCP suite...")
            (tmp / "mcp").mkdir(exist_ok=True)
            mcp = mcp_suite.run_mcp(args, tmp / "mcp", log)
    md = to_markdown(args.suite, transport, mcp, args, command, started, load_before, loadavg())
    print(md)
    out = args.out
    if not out and not args.smoke:
        out = str(ROOT / "bench" / "results" / f"{args.suite}-{started.strftime('%Y-%m-%d')}.md")
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(md)
        log(f"wrote {out}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
