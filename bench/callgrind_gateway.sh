#!/bin/bash
# Instructions per forwarded tools/call in the gateway, under valgrind's callgrind.
#
#   bench/callgrind_gateway.sh [OUT_DIR]      (default /tmp/mcp-callgrind)
#
# Runs the bench's tools/call workload through Envoy + the gateway (run_bench.py, gateway path only)
# with the gateway under callgrind, instrumentation off; after start-up and warm-up it is switched on
# for 10 s of load (callgrind_control -i on/off) and the forwarded calls in that window are read from
# the gateway's mcp_extproc_requests_total{handling="forwarded"}. Prints instructions per call and
# allocations (swift_slowAlloc) per call; `callgrind_annotate OUT_DIR/callgrind.out` for the profile.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "needs valgrind (not installed by make setup): apt-get install -y valgrind" >&2; exit 2; }
OUT=${1:-/tmp/mcp-callgrind}
mkdir -p "$OUT"
rm -f "$OUT/callgrind.out" "$OUT/counts.txt"
BIN=$(pwd)/.build/release/mcp-gateway
[ -x "$BIN" ] || swift build -c release --product mcp-gateway
cat > "$OUT/gateway.sh" <<WRAP
#!/bin/sh
exec valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$OUT/callgrind.out $BIN "\$@"
WRAP
chmod +x "$OUT/gateway.sh"

(
  while ! pgrep -f "valgrind.*callgrind.*mcp-gateway" >/dev/null; do sleep 0.5; done
  PID=$(pgrep -f "valgrind.*callgrind.*mcp-gateway" | head -1)
  PORT=$(tr '\0' ' ' < /proc/$PID/cmdline | sed -E 's/.*--admin-listen 127.0.0.1:([0-9]+).*/\1/')
  until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.5; done
  sleep 12
  forwarded() { curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^mcp_extproc_requests_total\{handling="forwarded"\}/{print $2}'; }
  c1=$(forwarded); callgrind_control -i on "$PID" >/dev/null 2>&1
  sleep 10
  callgrind_control -i off "$PID" >/dev/null 2>&1; c2=$(forwarded)
  echo "$c1 $c2" > "$OUT/counts.txt"
) &

# CALLGRIND_AUTH=jwt (or tokenreview, …): profile the authenticated path instead (the token reviewed in ext_proc).
if [ -n "${CALLGRIND_AUTH:-}" ]; then PATHS=(--paths none --gateway-auth "$CALLGRIND_AUTH"); else PATHS=(--paths gateway); fi
MCP_GATEWAY_BIN="$OUT/gateway.sh" .venv/bin/python bench/run_bench.py --suite mcp --workloads call "${PATHS[@]}" \
  --duration 25 --out "$OUT/run.md" > "$OUT/run.log" 2>&1
wait
read -r c1 c2 < "$OUT/counts.txt"
calls=$(python3 -c "print(int(float('$c2') - float('$c1')))")
total=$(callgrind_annotate "$OUT/callgrind.out" 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1}')
allocs=$(callgrind_annotate --tree=caller "$OUT/callgrind.out" 2>/dev/null | grep -m1 '< ???:swift_slowAlloc (' \
  | sed -E 's/.*swift_slowAlloc \(([0-9,]+)x\).*/\1/' | tr -d ',')
echo "forwarded calls measured: $calls"
echo "instructions per call: $((total / calls))"
[ -n "$allocs" ] && echo "swift_slowAlloc per call: $((allocs / calls))"
