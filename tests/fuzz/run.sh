#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz/ and runs
# each for SECONDS on a temporary copy of its seed corpus, so the committed
# corpus never grows. Non-zero when any target crashes, leaks, hits a
# sanitizer report or fails to build.
#
#   tests/fuzz/run.sh [seconds=30] [target...]     e.g. run.sh 60 logplex fernet
#
# Environment: BUILD_DIR (default <repo>/build-fuzz), JOBS (default nproc),
# KEEP_ARTIFACTS=1 keeps the temp dir with crash-* files for inspection.
set -u -o pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${BUILD_DIR:-$root/build-fuzz}"
jobs="${JOBS:-$(nproc)}"
all_targets=(logplex logfmt number fernet bucketid config http)

seconds=30
if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then
  seconds="$1"
  shift
fi
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  if [[ ! " ${all_targets[*]} " == *" $t "* ]]; then
    echo "run.sh: unknown target '$t' (known: ${all_targets[*]})" >&2
    exit 2
  fi
done

sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DL2MET_FUZZ=ON -DL2MET_GUI=OFF -DBUILD_TESTING=ON -DL2MET_BENCHMARKS=OFF \
    "-DCMAKE_CXX_FLAGS=$sanitize -fno-omit-frame-pointer -Wno-unknown-warning-option" \
    "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined" \
    || { echo "run.sh: configure failed" >&2; exit 1; }
fi
cmake --build "$build" -j "$jobs" --target "${targets[@]/#/fuzz_}" \
  || { echo "run.sh: build failed" >&2; exit 1; }

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export QT_LOGGING_RULES="${QT_LOGGING_RULES:-*.debug=false;*.info=false;*.warning=false}"

work="$(mktemp -d "${TMPDIR:-/tmp}/l2met-fuzz.XXXXXX")"
[[ "${KEEP_ARTIFACTS:-0}" == 1 ]] || trap 'rm -rf "$work"' EXIT

failed=()
printf '%-10s %8s %14s %s\n' target seconds executions result > "$work/summary"
for t in "${targets[@]}"; do
  corpus="$work/corpus-$t"
  mkdir -p "$corpus" "$work/artifacts-$t"
  [[ -d "$here/corpus/$t" ]] && cp -R "$here/corpus/$t/." "$corpus/"
  log="$work/$t.log"
  echo "== fuzz_$t: ${seconds}s"
  start=$(date +%s)
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts-$t/" "$corpus" > "$log" 2>&1
  rc=$?
  elapsed=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  result=ok
  if [[ $rc -ne 0 ]] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY: ' "$log"; then
    result="FAILED (rc=$rc)"
    failed+=("$t")
    grep -E -A40 'ERROR:|runtime error:' "$log" | head -n 80
    ls "$work/artifacts-$t"/* 2>/dev/null | sed 's/^/   reproducer: /'
  fi
  echo "fuzz_$t: executions=${execs:-?} time=${elapsed}s $result"
  printf '%-10s %8s %14s %s\n' "$t" "$elapsed" "${execs:-?}" "$result" >> "$work/summary"
done

echo
cat "$work/summary"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "run.sh: failed: ${failed[*]}" >&2
  [[ "${KEEP_ARTIFACTS:-0}" == 1 ]] && echo "run.sh: artifacts kept in $work" >&2
  exit 1
fi
