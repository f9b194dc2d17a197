#!/usr/bin/env python3
"""Gateway memory with many live client sessions: new sessions (initialize + notifications/
initialized + a first tools/call, which opens a backend session) are created through Envoy with
wrk until the target count is reached; the gateway's RSS is read at each milestone.

Usage: bench/session_scale.py [--sessions 10000,100000] [--out FILE]
"""
import argparse
import datetime
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from harness import Envoy, Proc, free_port, render_envoy_config, wait_for_http, wait_for_port  # noqa: E402


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", default="10000,100000")
    ap.add_argument("--out")
    args = ap.parse_args()
    targets = [int(x) for x in args.sessions.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="sessions-"))
    backend_bin = ROOT / ".build" / "release" / "mcp-bench-backend"
    gateway_bin = Path(__import__("os").environ.get("MCP_GATEWAY_BIN", ROOT / ".build" / "release" / "mcp-gateway"))
    p1 = free_port()
    backend = Proc("backend", [str(backend_bin), "--port", str(p1), "--tools", "8"], tmp)
    wait_for_port(p1)
    (tmp / "gw.json").write_text(json.dumps({
        "servers": [{"name": "s01", "url": f"http://127.0.0.1:{p1}/mcp"}],
        "session": {"secretFile": str(ROOT / "examples" / "session-secret.txt")}, "audit": {"destination": "off"}}))
    grpc, admin = free_port(), free_port()
    gw = Proc("gateway", [str(gateway_bin), "--config", str(tmp / "gw.json"), "--grpc-listen", f"127.0.0.1:{grpc}",
                          "--admin-listen", f"127.0.0.1:{admin}"], tmp)
    wait_for_http(f"http://127.0.0.1:{admin}/readyz")
    listen, eadmin = free_port(), free_port()
    cfg = render_envoy_config(ROOT / "envoy" / "envoy-noauth.yaml", tmp / "envoy.yaml",
                              {8080: listen, 9901: eadmin, 50051: grpc, 9090: admin, 9101: p1, 9102: free_port()},
                              replace={"exact: calculus }": "exact: s01 }"})
    envoy = Envoy(tmp, cfg, listen, eadmin)
    rows = [(0, rss_mb(gw.popen.pid), 0.0)]
    created = 0
    try:
        for target in targets:
            while created < target:
                out = subprocess.run(["wrk", "-t1", "-c16", "-d5s", "-s", str(ROOT / "bench" / "wrk-mcp.lua"),
                                      f"http://127.0.0.1:{listen}/mcp", "--", "init_call", "tool_0", "tool_1"],
                                     capture_output=True, text=True, timeout=60).stdout
                report = json.loads([l for l in out.splitlines() if l.startswith("{")][-1])
                assert report["errors"] == 0 and report["non2xx"] == 0, report
                created += report["sent_call"]
            time.sleep(1)
            rows.append((created, rss_mb(gw.popen.pid), rss_mb(envoy.popen.pid)))
            print(rows[-1], flush=True)
    finally:
        envoy.stop()
        gw.stop()
        backend.stop()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = ["# Gateway RSS with many live client sessions", "",
             f"- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}, commit {commit}",
             f"- command: `bench/session_scale.py --sessions {args.sessions}`",
             "- each session: initialize + notifications/initialized + one tools/call (so one backend session too), never deleted", "",
             "| live client sessions | gateway RSS MB | MB per 10k sessions |", "|---|---|---|"]
    base = rows[0][1]
    for n, rss, _ in rows:
        lines.append(f"| {n} | {rss:.1f} | {(rss - base) / n * 10000:.2f} |" if n else f"| 0 (started, catalog warm) | {rss:.1f} | - |")
    md = "\n".join(lines) + "\n"
    print(md)
    if args.out:
        Path(args.out).write_text(md)


if __name__ == "__main__":
    main()
