#!/usr/bin/env bash
# Builds the libFuzzer binaries into $FUZZ_SCRATCH/fuzzers/<target> (default .build-fuzz).
#
# Recipe (Swift 6.3, Linux): SwiftPM compiles the package's library modules with coverage
# instrumentation (`-sanitize=fuzzer,address` on every swiftc call, `-enable-testing` so a harness
# may `@testable import` an internal parser), one `--target` at a time so nothing is linked; then
# swiftc compiles each harness (`@_cdecl("LLVMFuzzerTestOneInput")`, `-parse-as-library`: libFuzzer
# supplies `main`) and links it against those modules' object files. Nothing here touches
# Package.swift or the default build graph.
#
#   Fuzz/build.sh                 # every target
#   Fuzz/build.sh json jwt        # some
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${FUZZ_SCRATCH:-.build-fuzz}
SANITIZERS=${FUZZ_SANITIZERS:-fuzzer,address}

# target -> the library modules its harness imports (their dependencies are found from Package.swift)
declare -A ROOTS=(
    [proto]="EnvoyProto ProtoWire"
    [json]="JSONWire"
    [jsonrpc]="MCPGateway JSONWire"
    [config]="MCPGateway"
    [sse]="HTTPClient"
    [http-response]="HTTPClient"
    [jwt]="TokenAuth MCPGateway HTTPHeaderText"
    [jwks]="TokenAuth"
    [admin-http]="AdminHTTP"
)
declare -A SOURCE=(
    [proto]=FuzzProto [json]=FuzzJSON [jsonrpc]=FuzzJSONRPC [config]=FuzzConfig [sse]=FuzzSSE
    [http-response]=FuzzHTTPResponse [jwt]=FuzzJWT [jwks]=FuzzJWKS [admin-http]=FuzzAdminHTTP
)
# extra harness sources
declare -A EXTRA=([jwt]=Fuzz/Targets/FuzzJWTKeys.swift [jwks]=Fuzz/Targets/FuzzJWTKeys.swift)
ALL=(proto json jsonrpc config sse http-response jwt jwks admin-http)
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL[@]}")

# The dependency closure of some modules, from `swift package describe` (Swift library targets only).
mkdir -p "$SCRATCH"
swift package describe --type json > "$SCRATCH/describe.json"
closure() {
    python3 - "$SCRATCH/describe.json" "$@" <<'PY'
import json, sys
targets = {t["name"]: t for t in json.load(open(sys.argv[1]))["targets"]}
seen, order = set(), []
def visit(name):
    if name in seen: return
    seen.add(name)
    for dep in targets[name].get("target_dependencies", []) or []: visit(dep)
    if targets[name]["type"] == "library": order.append(name)
for root in sys.argv[2:]: visit(root)
print(" ".join(order))
PY
}

# 1. Instrumented library modules (incremental; one SwiftPM invocation per root module).
declare -A BUILT=()
for t in "${TARGETS[@]}"; do
    [ -n "${SOURCE[$t]:-}" ] || { echo "unknown fuzz target: $t (known: ${ALL[*]})" >&2; exit 2; }
    for root in ${ROOTS[$t]}; do
        [ -n "${BUILT[$root]:-}" ] && continue
        echo "building $root (instrumented: $SANITIZERS)"
        if ! swift build -c release --scratch-path "$SCRATCH" --target "$root" \
            -Xswiftc -sanitize="$SANITIZERS" -Xswiftc -enable-testing > "$SCRATCH/build.log" 2>&1; then
            grep -E 'error:' "$SCRATCH/build.log" >&2 || tail -30 "$SCRATCH/build.log" >&2
            echo "building $root failed (full log: $SCRATCH/build.log)" >&2
            exit 1
        fi
        BUILT[$root]=1
    done
done

# 2. One binary per target: harness + Support.swift + the closure's objects.
MODMAPS=()
for m in Sources/*/module.modulemap; do MODMAPS+=(-Xcc "-fmodule-map-file=$PWD/$m"); done
mkdir -p "$SCRATCH/fuzzers"
for t in "${TARGETS[@]}"; do
    objects=()
    for module in $(closure ${ROOTS[$t]}); do
        objects+=("$SCRATCH"/release/"$module".build/*.o)
    done
    out="$SCRATCH/fuzzers/$t"
    echo "linking $out"
    rm -f "$out"
    # (ld.gold warns about every ASan-internal local symbol; those lines are noise.)
    swiftc -O -g -swift-version 6 -parse-as-library -sanitize="$SANITIZERS" \
        -I "$SCRATCH/release/Modules" "${MODMAPS[@]}" \
        Fuzz/Targets/Support.swift "Fuzz/Targets/${SOURCE[$t]}.swift" ${EXTRA[$t]:-} "${objects[@]}" \
        -lssl -lcrypto -lnghttp2 -o "$out" 2>&1 | grep -v "ld.gold: warning: Cannot export local symbol" || true
    [ -x "$out" ] || { echo "linking $t failed" >&2; exit 1; }
done
