#!/usr/bin/env bash
# `make run`: the example MCP servers, the gateway and Envoy, in the foreground until Ctrl-C.
# The federated endpoint is http://127.0.0.1:8080/mcp; gateway metrics and health on :9090.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release/mcp-gateway}
# AUTH=1 turns authentication on: JWT bearer tokens (examples/auth), the production-shaped envoy.yaml.
if [ "${AUTH:-0}" = "1" ]; then
    GATEWAY_CONFIG=examples/gateway-auth.json ENVOY_CONFIG=envoy/envoy.yaml
    [ -f examples/auth/jwks.json ] || .venv/bin/python examples/auth/mint-token.py --init >/dev/null
else
    GATEWAY_CONFIG=examples/gateway.json ENVOY_CONFIG=envoy/envoy-noauth.yaml
fi
PY=.venv/bin/python
mkdir -p run
pids=()
cleanup() {
    trap - INT TERM EXIT
    echo; echo "stopping..."
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

$PY examples/servers/calculus.py --port 9101 >run/calculus.log 2>&1 & pids+=($!)
$PY examples/servers/physics.py --port 9102 --enable-dynamic-tools >run/physics.log 2>&1 & pids+=($!)
for port in 9101 9102; do
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done
"$BIN" --config "$GATEWAY_CONFIG" & pids+=($!)
for _ in $(seq 100); do curl -sf http://127.0.0.1:9090/healthz >/dev/null && break; sleep 0.1; done
.venv/bin/envoy -c "$ENVOY_CONFIG" --disable-hot-restart --log-level warn >run/envoy.log 2>&1 & pids+=($!)
for _ in $(seq 100); do curl -sf http://127.0.0.1:9901/ready >/dev/null && break; sleep 0.1; done

cat <<MSG

  MCP gateway is up: http://127.0.0.1:8080/mcp  (Envoy -> mcp-gateway -> calculus :9101, physics :9102)
  Try:
    curl -s http://127.0.0.1:8080/mcp -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \\
      -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}' -i
  Auth: $([ "${AUTH:-0}" = "1" ] && echo "on: TOKEN=\$(.venv/bin/python examples/auth/mint-token.py --sub alice); add -H \"authorization: Bearer \$TOKEN\"" || echo "off (make run AUTH=1 turns it on)")
  Logs: run/*.log (gateway logs below). Ctrl-C stops everything.

MSG
wait -n "${pids[@]}"
