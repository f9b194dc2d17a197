#!/usr/bin/env bash
# `make sanitize`: the Swift unit tests (every test target) under AddressSanitizer, then under
# ThreadSanitizer, each in its own scratch path (.build-asan, .build-tsan) so neither disturbs the
# normal build. Exits non-zero on any sanitizer report or test failure.
#
# ASan: LeakSanitizer is on, with two narrow suppressions (Fuzz/sanitizers/lsan.supp: XCTest's
#       runner objects, and a static test fixture whose pointers hide in Swift enum spare bits).
# TSan: Synchronization.Mutex hands a contended lock over inside the kernel, where TSan cannot see
#       it; Fuzz/sanitizers/tsan_mutex_shim.c (preloaded into the test process) reports those
#       hand-overs to TSan as acquire/release, so nothing needs suppressing.
#
#   Fuzz/sanitize.sh            # both
#   Fuzz/sanitize.sh address    # one
set -euo pipefail
cd "$(dirname "$0")/.."
KINDS=("$@")
[ ${#KINDS[@]} -eq 0 ] && KINDS=(address thread)
CLANG="$(dirname "$(command -v swift)")/clang"   # the toolchain's clang: it knows swiftcall

for kind in "${KINDS[@]}"; do
    scratch=".build-${kind:0:1}san"   # .build-asan / .build-tsan
    start=$SECONDS
    echo "== swift test --sanitize=$kind (scratch $scratch)"
    swift build --build-tests --sanitize="$kind" --scratch-path "$scratch"
    built=$SECONDS
    case "$kind" in
    address)
        LSAN_OPTIONS="suppressions=$PWD/Fuzz/sanitizers/lsan.supp:print_suppressions=0" \
            swift test --skip-build --sanitize=address --scratch-path "$scratch"
        ;;
    thread)
        "$CLANG" -O2 -shared -fPIC -o "$scratch/tsan_mutex_shim.so" Fuzz/sanitizers/tsan_mutex_shim.c -ldl
        LD_PRELOAD="$PWD/$scratch/tsan_mutex_shim.so" \
            swift test --skip-build --sanitize=thread --scratch-path "$scratch"
        ;;
    *) echo "unknown sanitizer $kind (address, thread)" >&2; exit 2 ;;
    esac
    echo "== $kind: clean (build $((built - start)) s, tests $((SECONDS - built)) s)"
done
