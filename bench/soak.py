#!/usr/bin/env python3
"""Soak: mixed MCP load through Envoy + gateway for a fixed time, sampling the gateway's RSS, open
fds and threads. Passes when every figure stays flat and no request fails unexpectedly.

Usage: bench/soak.py [--minutes 10] [--workers 6] [--out bench/results/soak-DATE.md]
Load (all on loopback, bounded in time): tool calls on established sessions, tools/list, new
sessions (initialize + call + DELETE), calls with bad tokens (expected 401), calls to a
deny-listed tool (expected JSON-RPC error). Auth is on (JWT), as in production.
"""
import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from auth_fixtures import AUDIENCE, ISSUER, Keys  # noqa: E402
from federation_stack import FederatedStack  # noqa: E402


def proc_figures(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(next(l for l in status.splitlines() if l.startswith("VmRSS:")).split()[1]) // 1024
    threads = int(next(l for l in status.splitlines() if l.startswith("Threads:")).split()[1])
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return rss, fds, threads


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--workers", type=int, default=6)
    ap.add_argument("--out")
    args = ap.parse_args()
    d = Path(tempfile.mkdtemp(prefix="soak-"))
    keys = Keys()
    (d / "jwks.json").write_text(json.dumps(keys.jwks()))
    token = keys.token("alice", exp=int(time.time()) + 7200)
    stack = FederatedStack(d, auth=True, default_headers={"authorization": f"Bearer {token}"}, config_overrides={
        "auth": {"jwt": {"issuer": ISSUER, "audiences": [AUDIENCE], "jwksFile": str(d / "jwks.json")}},
        "audit": {"destination": "off"}})
    counts = {"call": 0, "list": 0, "session": 0, "bad_token": 0, "denied": 0}
    unexpected = []
    lock = threading.Lock()
    stop = time.time() + args.minutes * 60

    def worker(seed):
        rnd = random.Random(seed)
        session = stack.initialize()
        h = stack.session_headers(session)
        while time.time() < stop:
            kind = rnd.choices(list(counts), weights=[60, 20, 10, 5, 5])[0]
            try:
                if kind == "call":
                    st, _, body = stack.post({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
                        "name": "calculus_simplify", "arguments": {"expression": "x+x"}}}, h)
                    ok = st == 200 and "result" in body
                elif kind == "list":
                    st, _, body = stack.post({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, h)
                    ok = st == 200 and len(body["result"]["tools"]) > 10
                elif kind == "session":
                    s2 = stack.initialize()
                    st, _, body = stack.post({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
                        "name": "physics_kinetic_energy", "arguments": {"mass": 1, "velocity": 1}}}, stack.session_headers(s2))
                    import urllib.request
                    req = urllib.request.Request(stack.url, method="DELETE",
                                                 headers={**stack.session_headers(s2), "authorization": f"Bearer {token}"})
                    urllib.request.urlopen(req, timeout=10).read()
                    ok = st == 200 and "result" in body
                elif kind == "bad_token":
                    st, _, _ = stack.post({"jsonrpc": "2.0", "id": 4, "method": "ping"}, {**h, "authorization": "Bearer nope"})
                    ok = st == 401
                else:
                    st, _, body = stack.post({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {
                        "name": "physics_admin_remove_tool", "arguments": {}}}, h)
                    ok = st == 200 and body["error"]["code"] == -32602
            except Exception as e:  # noqa: BLE001
                ok, st = False, repr(e)
            with lock:
                counts[kind] += 1
                if not ok:
                    unexpected.append((kind, st))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.workers)]
    for t in threads:
        t.start()
    samples = []
    started = time.time()
    pid = stack.gateway.popen.pid
    while any(t.is_alive() for t in threads):
        samples.append((round(time.time() - started), *proc_figures(pid)))
        time.sleep(min(10, max(1, args.minutes * 6)))
    samples.append((round(time.time() - started), *proc_figures(pid)))
    stack.stop()

    total = sum(counts.values())
    first, last = samples[1] if len(samples) > 2 else samples[0], samples[-1]
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [f"# Soak: {args.minutes:g} minutes of mixed load", "",
             f"- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}, commit {commit}",
             f"- command: `bench/soak.py --minutes {args.minutes:g} --workers {args.workers}`",
             f"- requests: {total} ({', '.join(f'{k} {v}' for k, v in counts.items())}), "
             f"{total / (args.minutes * 60):.0f}/s; unexpected failures: {len(unexpected)}",
             f"- gateway RSS {first[1]} MB -> {last[1]} MB, fds {first[2]} -> {last[2]}, threads {first[3]} -> {last[3]} "
             "(first sample after warm-up -> last)", "",
             "| t (s) | RSS MB | fds | threads |", "|---|---|---|---|"]
    lines += [f"| {t} | {r} | {f} | {th} |" for t, r, f, th in samples]
    if unexpected:
        lines += ["", "Unexpected failures (first 10):", *[f"- {u}" for u in unexpected[:10]]]
    md = "\n".join(lines) + "\n"
    print(md)
    if args.out:
        Path(args.out).write_text(md)
    sys.exit(1 if unexpected or last[1] > first[1] * 1.5 + 10 or last[2] > first[2] + 20 else 0)


if __name__ == "__main__":
    main()
