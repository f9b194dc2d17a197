#!/usr/bin/env bash
# Installs everything the build, the examples and the tests need, on a fresh Debian machine as root.
# Idempotent and quick when nothing changed: apt runs only for missing packages, pip only when
# requirements.txt is newer than the venv's stamp.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libnghttp2-dev libssl-dev openssl pkg-config python3-venv nghttp2-client wrk curl iproute2 redis-server)
missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# kubectl renders deploy/kubernetes (kubectl kustomize) in tests/test_deploy.py. Debian's kubernetes-client
# (kubectl 1.20, kustomize v2.0.3) is enough; a newer kubectl already on PATH (another package owning
# /usr/bin/kubectl) is kept, since installing over it would fail.
if ! command -v kubectl >/dev/null 2>&1; then
    echo "setup: apt-get install kubernetes-client"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq kubernetes-client >/dev/null
fi

VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating $VENV"
    python3 -m venv "$VENV"
fi
if [ ! -f "$VENV/.stamp" ] || [ scripts/requirements.txt -nt "$VENV/.stamp" ]; then
    echo "setup: pip install -r scripts/requirements.txt"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r scripts/requirements.txt
    touch "$VENV/.stamp"
fi
