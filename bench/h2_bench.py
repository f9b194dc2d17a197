#!/usr/bin/env python3
"""tools/call over HTTP/1.1 (wrk) and HTTP/2 (h2load, h2c prior knowledge), side by side in one run.

Why: Envoy's HTTP/1 codec hands a Content-Length body to the filters as the data, then an empty
end-of-stream chunk (ServerConnectionImpl::onMessageCompleteBase), so ext_proc (STREAMED) sends three
messages per request and the gateway answers three; an HTTP/2 DATA frame with END_STREAM reaches the
filter in one decodeData(data, true), so the same request costs two each way. This measures what
that is worth, per path: Envoy alone, Envoy + gateway (optionally with authentication, the token
reviewed inside ext_proc), Envoy's native mcp_router. Both clients keep one request in flight per
connection (wrk's closed loop; h2load -m 1) on the same number of connections.

Usage: bench/h2_bench.py [--duration 5] [--repeat 3] [--connections 8] [--paths alone,gateway,native]
                         [--gateway-auth jwt,...] [--out FILE]
The gateway is MCP_GATEWAY_BIN (a release build: `make build-release`); the backend is
.build/release/mcp-bench-backend.
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


def call_body(tool):
    return ('{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"%s","arguments":{"x":1,"note":"bench"}}}' % tool).encode()


def run_h2load(p, session, duration, connections, tmp: Path):
    body = tmp / f"h2-body-{p.key}.json"
    body.write_bytes(call_body(p.tool1))
    log = tmp / f"h2-log-{p.key}.tsv"
    if log.exists():
        log.unlink()
    headers = {"content-type": "application/json", "accept": "application/json, text/event-stream",
               "mcp-protocol-version": "2025-11-25", "mcp-session-id": session, **p.headers}
    args = ["h2load", "-c", str(connections), "-m", "1", "-t", "1", "-D", str(duration), "-d", str(body),
            "--log-file", str(log)]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    args.append(f"http://127.0.0.1:{p.port}/mcp")
    out = subprocess.run(args, capture_output=True, text=True, timeout=duration + 30)
    if out.returncode != 0:
        raise RuntimeError(f"h2load failed: {out.stdout[-800:]} {out.stderr[-500:]}")
    rows = [line.split("\t") for line in log.read_text().splitlines() if line.strip()]
    statuses = [int(r[1]) for r in rows]
    latencies = sorted(int(r[2]) for r in rows)
    if not latencies:
        raise RuntimeError(f"h2load logged nothing: {out.stdout[-800:]}")
    first = min(int(r[0]) for r in rows)
    last = max(int(r[0]) + int(r[2]) for r in rows)
    seconds = (last - first) / 1e6
    pct = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    return {"requests": len(rows), "seconds": seconds, "rps": len(rows) / seconds, "p50_us": pct(0.5), "p99_us": pct(0.99),
            "non2xx": sum(1 for s in statuses if not 200 <= s < 300), "errors": 0}


def run_h1(p, session, duration, connections):
    return mcp_suite.run_wrk(p.port, duration, connections, "call", p, session)


def measure(p, backend, session, args, tmp, protocol):
    run = (lambda d: run_h2load(p, session, d, args.connections, tmp)) if protocol == "h2" else \
        (lambda d: run_h1(p, session, d, args.connections))
    run(max(1, args.warmup))
    procs = dict(p.procs)
    procs["backend"] = backend
    runs = []
    for _ in range(args.repeat):
        cpu0 = {k: cpu_seconds(proc.popen.pid) for k, proc in procs.items()}
        envoy = p.procs.get("envoy")
        gw = "gateway" in p.procs
        msgs0 = (envoy.stat(EXTPROC_STAT + "stream_msgs_sent"), envoy.stat(EXTPROC_STAT + "stream_msgs_received")) if gw else None
        r = run(args.duration)
        for k, proc in procs.items():
            r[f"{k}_cpu_s_per_1k"] = (cpu_seconds(proc.popen.pid) - cpu0[k]) / max(1, r["requests"]) * 1000
        if gw:
            r["msgs_sent"] = (envoy.stat(EXTPROC_STAT + "stream_msgs_sent") - msgs0[0]) / max(1, r["requests"])
            r["msgs_received"] = (envoy.stat(EXTPROC_STAT + "stream_msgs_received") - msgs0[1]) / max(1, r["requests"])
        runs.append(r)
    runs.sort(key=lambda x: x["rps"])
    chosen = dict(runs[len(runs) // 2])
    chosen["rps_min"], chosen["rps_max"] = runs[0]["rps"], runs[-1]["rps"]
    return chosen


def markdown(results, args, command):
    out = [f"# tools/call over HTTP/1.1 and HTTP/2 ({datetime.date.today().isoformat()})", "",
           f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}. Commit "
           f"{subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True, cwd=ROOT).stdout.strip()}. "
           f"{args.connections} connections, one request in flight on each; {args.duration} s runs, median of {args.repeat}; "
           f"Envoy --concurrency {args.envoy_concurrency}, gateway --threads {args.gateway_threads}.", "",
           "Command:", "", "```", command, "```", "",
           "| path | protocol | req/s (min-max) | vs Envoy alone, same protocol | p50 ms | p99 ms | non-2xx | Envoy CPU s/1k | "
           "gateway CPU s/1k | Envoy+gateway CPU vs native, same protocol | ext_proc msgs/request (Envoy sent / received) |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for (name, protocol), r in results.items():
        alone = results.get(("Envoy alone", protocol))
        native = results.get(("Envoy + native mcp_router", protocol))
        total = r.get("envoy_cpu_s_per_1k", 0) + r.get("gateway_cpu_s_per_1k", 0)
        cpu_vs = f"{total / native['envoy_cpu_s_per_1k']:.2f}x" if native else "-"
        vs = f"{r['rps'] / alone['rps']:.2f}x" if alone else "-"
        msgs = f"{r['msgs_sent']:.2f} / {r['msgs_received']:.2f}" if "msgs_sent" in r else "-"
        gw_cpu = f"{r['gateway_cpu_s_per_1k']:.3f}" if "gateway_cpu_s_per_1k" in r else "-"
        out.append(f"| {name} | {protocol} | {r['rps']:.0f} ({r['rps_min']:.0f}-{r['rps_max']:.0f}) | {vs} | {r['p50_us'] / 1000:.2f} | "
                   f"{r['p99_us'] / 1000:.2f} | {r['non2xx'] + r.get('errors', 0)} | {r['envoy_cpu_s_per_1k']:.3f} | {gw_cpu} | {cpu_vs} | {msgs} |")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--paths", default="alone,gateway,native")
    ap.add_argument("--gateway-auth", default="")
    ap.add_argument("--protocols", default="h1,h2")
    ap.add_argument("--envoy-concurrency", type=int, default=2)
    ap.add_argument("--gateway-threads", type=int, default=2)
    ap.add_argument("--backend-threads", type=int, default=1)
    ap.add_argument("--out")
    args = ap.parse_args()
    keys = [k for k in args.paths.split(",") if k] + ["gateway_" + a for a in args.gateway_auth.split(",") if a]
    results = {}
    with tempfile.TemporaryDirectory(prefix="h2bench-") as d, ExitStack() as outer:
        tmp = Path(d)
        backend = outer.enter_context(_stopping(Backend(tmp, 2, threads=args.backend_threads)))
        for key in keys:
            with ExitStack() as stack:
                row = tmp / key
                row.mkdir()
                p = start_path(key, stack, row, backend, 2, args)
                session = verify_path(p, 2)
                for protocol in args.protocols.split(","):
                    r = measure(p, backend, session, args, row, protocol)
                    results[(p.name, protocol)] = r
                    print(f"{p.name:45s} {protocol}: {r['rps']:.0f} req/s p50 {r['p50_us'] / 1000:.2f} ms "
                          f"msgs {r.get('msgs_sent', 0):.2f}/{r.get('msgs_received', 0):.2f}", flush=True)
    command = " ".join(["bench/h2_bench.py"] + sys.argv[1:])
    text = markdown(results, args, command)
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
