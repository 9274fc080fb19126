#!/usr/bin/env bash
# The whole test suite from a clean clone (Debian 12), what CI runs:
#   1. dependencies (packaging/install-deps.sh --test, redis-server included);
#   2. the normal build (build/) and every CTest test, the small soak with
#      faults included, then the .deb from that build (check-package.sh);
#      that install-deps.sh names every package the builds use, recommends
#      off, as on a minimal Debian 12 (check-deps.sh, with its self-test);
#   3. the whole suite again under AddressSanitizer + UBSan (build-asan/);
#   4. the engine, store, receiver and outlet tests under ThreadSanitizer
#      (build-tsan/);
#   5. every libFuzzer target for a short while (build-fuzz/, clang).
# Each variant is built once. Every stage runs even when an earlier one
# failed; the summary at the end repeats each result, and the script fails
# when any stage failed. Integration tests start their own redis-server and
# fake Librato on free loopback ports.
#
# Environment: STAGES (default "tests package deps asan tsan fuzz") picks stages;
# FUZZ_SECONDS (default 30) is each fuzz target's time.
set -uo pipefail
cd "$(dirname "$0")/.."

stages="${STAGES:-tests package deps asan tsan fuzz}"
fuzz_seconds="${FUZZ_SECONDS:-30}"

bash packaging/install-deps.sh --test || { echo "tests/run.sh: installing dependencies failed" >&2; exit 1; }

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# Paths relative to the clone, so every fresh clone hits the same cache.
export CCACHE_BASEDIR="$PWD"
export SKIP_DEPS=1

declare -A result
order=()
run_stage() {
  local name="$1"
  shift
  [[ " $stages " == *" $name "* ]] || return 0
  order+=("$name")
  echo
  echo "== tests/run.sh: $name"
  local start=$SECONDS
  if "$@"; then
    result[$name]="passed ($((SECONDS - start)) s)"
  else
    result[$name]="FAILED ($((SECONDS - start)) s)"
  fi
}

ctest_log="$(mktemp)"
trap 'rm -f "$ctest_log"' EXIT
main_tests() {
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON >/dev/null \
    && cmake --build build -j2 \
    && (cd build && L2MET_REQUIRE_REDIS=1 ctest -j2 --output-on-failure --timeout 600) 2>&1 | tee "$ctest_log"
}

run_stage tests main_tests
run_stage package bash packaging/check-package.sh build
run_stage deps bash packaging/check-deps.sh --self-test build
run_stage asan bash tests/sanitize.sh asan
run_stage tsan bash tests/sanitize.sh tsan
run_stage fuzz env JOBS=2 bash tests/fuzz/run.sh "$fuzz_seconds"

echo
echo "== tests/run.sh summary"
failed=0
for name in "${order[@]}"; do
  line="$name: ${result[$name]}"
  if [[ "$name" == tests ]]; then
    line+=" — $(grep -E 'tests passed|tests failed' "$ctest_log" | tail -1 || true)"
  fi
  echo "$line"
  [[ "${result[$name]}" == passed* ]] || failed=1
done
echo "total: $SECONDS s"
exit "$failed"
