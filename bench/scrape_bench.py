#!/usr/bin/env python3
"""Does scraping /metrics hurt the calls? The admin port (metrics, health, event streams) shares the
gateway's event loops with the ext_proc streams, so a scrape's rendering runs between ext_proc
messages. This measures tools/call through Envoy + gateway at full load, side by side in one run:
without scrapes, and with a scraper reading /metrics every `--interval` seconds (10 Hz by default,
far above Prometheus' usual 15 s), with a catalog of `--tools` tools per server (so the tool series
are many). Reports req/s, p50/p99/p99.9 and how long each scrape took.

Usage: bench/scrape_bench.py [--duration 10] [--repeat 3] [--interval 0.1] [--tools 500] [--out FILE]
"""
import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
import mcp_suite  # noqa: E402
from mcp_suite import Backend, _stopping, start_path, verify_path  # noqa: E402


class Scraper:
    def __init__(self, port, interval):
        self.url, self.interval = f"http://127.0.0.1:{port}/metrics", interval
        self.durations, self.sizes = [], []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            t0 = time.perf_counter()
            with urllib.request.urlopen(self.url, timeout=5) as r:
                body = r.read()
            self.durations.append(time.perf_counter() - t0)
            self.sizes.append(len(body))
            self._stop.wait(max(0.0, self.interval - (time.perf_counter() - t0)))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--tools", type=int, default=500)
    ap.add_argument("--envoy-concurrency", type=int, default=2)
    ap.add_argument("--gateway-threads", type=int, default=2)
    ap.add_argument("--backend-threads", type=int, default=1)
    ap.add_argument("--out")
    args = ap.parse_args()
    rows = {}
    scrape = {}
    with tempfile.TemporaryDirectory(prefix="scrape-bench-") as d, ExitStack() as outer:
        tmp = Path(d)
        backend = outer.enter_context(_stopping(Backend(tmp, 2, tools=args.tools, threads=args.backend_threads)))
        with ExitStack() as stack:
            p = start_path("gateway", stack, tmp, backend, 2, args)
            mcp_suite.TOOLS_PER_SERVER, saved = args.tools, mcp_suite.TOOLS_PER_SERVER
            try:
                session = verify_path(p, 2)
            finally:
                mcp_suite.TOOLS_PER_SERVER = saved
            gw_args = p.procs["gateway"].popen.args
            admin = int(gw_args[gw_args.index("--admin-listen") + 1].rsplit(":", 1)[1])
            # One call of each tool first, so every tool series exists when scraped.
            mcp_suite.run_wrk(p.port, args.warmup, args.connections, "call", p, session)
            for label, scraping in (("no scrapes", False), (f"scrape every {args.interval:g} s", True), ("no scrapes (again)", False)):
                runs = []
                for _ in range(args.repeat):
                    if scraping:
                        with Scraper(admin, args.interval) as s:
                            r = mcp_suite.run_wrk(p.port, args.duration, args.connections, "call", p, session)
                        scrape = {"count": len(s.durations), "p50_ms": statistics.median(s.durations) * 1000,
                                  "max_ms": max(s.durations) * 1000, "bytes": s.sizes[-1]}
                    else:
                        r = mcp_suite.run_wrk(p.port, args.duration, args.connections, "call", p, session)
                    runs.append(r)
                runs.sort(key=lambda x: x["rps"])
                rows[label] = (runs[len(runs) // 2], runs[0]["rps"], runs[-1]["rps"])
                print(label, f"{rows[label][0]['rps']:.0f} req/s", flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    out = [f"# tools/call while /metrics is scraped ({datetime.date.today().isoformat()})", "",
           f"Machine: {platform.machine()}, {os.cpu_count()} cores. Commit {commit}. Envoy + gateway (release), {args.connections} "
           f"connections, {args.duration} s runs, median of {args.repeat}; 2 servers x {args.tools} tools (every tool called once "
           "before, so its series exist).", "", "Command:", "", "```", " ".join(["bench/scrape_bench.py"] + sys.argv[1:]), "```", "",
           "| run | req/s (min-max) | p50 ms | p99 ms | p99.9 ms | max ms |", "|---|---|---|---|---|---|"]
    for label, (r, lo, hi) in rows.items():
        out.append(f"| {label} | {r['rps']:.0f} ({lo:.0f}-{hi:.0f}) | {r['p50_us'] / 1000:.2f} | {r['p99_us'] / 1000:.2f} | "
                   f"{r['p999_us'] / 1000:.2f} | {r['max_us'] / 1000:.1f} |")
    if scrape:
        out += ["", f"Scrapes in the last scraped run: {scrape['count']}, {scrape['bytes']} bytes each, "
                    f"p50 {scrape['p50_ms']:.2f} ms, max {scrape['max_ms']:.2f} ms (client-side, loopback)."]
    text = "\n".join(out) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
