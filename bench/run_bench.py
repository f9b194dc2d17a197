#!/usr/bin/env python3
"""Side-by-side benchmarks in one run: the same load, the same backend, different paths.

Usage: bench/run_bench.py [--duration S] [--connections N] [--suite transport] [--out FILE]

Each scenario starts its own processes on loopback, warms up, runs wrk (bounded in time), reads
CPU seconds and peak RSS of Envoy and of the gateway from /proc, and stops everything. Results are
printed and written as markdown with the date, machine, commit and exact command.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from harness import Envoy, Gateway, Proc, free_port, render_envoy_config, wait_for_port  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


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
    wait_for_port(backend_port)
    results = {}
    try:
        s = Scenario("backend directly")
        results[s.name] = s.measure(backend_port, args.duration, args.connections)

        listen, admin = free_port(), free_port()
        cfg = render_envoy_config(ROOT / "bench/configs/envoy-alone.yaml", tmp / "alone.yaml",
                                  {8080: listen, 9901: admin, 9101: backend_port})
        envoy = Envoy(tmp, cfg, listen, admin, name="envoy-alone")
        s = Scenario("Envoy alone")
        s.procs = {"envoy": envoy}
        results[s.name] = s.measure(listen, args.duration, args.connections)
        envoy.stop()

        gw = Gateway(tmp, threads=2)
        gw.popen  # noqa: B018
        listen, admin = free_port(), free_port()
        cfg = render_envoy_config(ROOT / "envoy/passthrough.yaml", tmp / "pass.yaml",
                                  {8080: listen, 9901: admin, 50051: gw.grpc_port, 9101: backend_port})
        envoy = Envoy(tmp, cfg, listen, admin, name="envoy-extproc")
        s = Scenario("Envoy + gateway ext_proc (pass-through, headers both ways)")
        s.procs = {"envoy": envoy, "gateway": gw}
        results[s.name] = s.measure(listen, args.duration, args.connections)
        envoy.stop()
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


def to_markdown(suite, results, args, command):
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    base = next((v for k, v in results.items() if k == "Envoy alone"), None)
    lines = [f"# Benchmark: {suite}", "",
             f"- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
             f"- machine: {machine()}", f"- commit: {commit}", f"- command: `{command}`",
             f"- load: wrk, {args.connections} connections, 1 thread, {args.duration}s after a 2 s warm-up, loopback", "",
             "| path | req/s | vs Envoy alone | p50 ms | p90 ms | p99 ms | p99.9 ms | errors | Envoy CPU s/1k | gateway CPU s/1k | gateway peak RSS MB |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        ratio = f"{r['rps'] / base['rps']:.2f}x" if base else "-"
        lines.append(
            f"| {name} | {r['rps']:.0f} | {ratio} | {r['p50_us'] / 1000:.2f} | {r['p90_us'] / 1000:.2f} | "
            f"{r['p99_us'] / 1000:.2f} | {r['p999_us'] / 1000:.2f} | {r['errors'] + r['non2xx']} | "
            f"{r.get('envoy_cpu_s_per_1k', 0):.3f} | {r.get('gateway_cpu_s_per_1k', 0):.3f} | "
            f"{r.get('gateway_peak_rss_mb', 0):.1f} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--suite", default="transport", choices=["transport"])
    ap.add_argument("--out")
    args = ap.parse_args()
    command = "bench/run_bench.py " + " ".join(sys.argv[1:])
    with tempfile.TemporaryDirectory() as d:
        results = run_transport(args, Path(d))
    md = to_markdown(args.suite, results, args, command)
    print(md)
    if args.out:
        Path(args.out).write_text(md)


if __name__ == "__main__":
    main()
