#!/usr/bin/env bash
# Builds a sanitizer variant of l2met once, in its own build directory, and
# runs tests under it. Non-zero when the build fails, a test fails, or any
# sanitizer report is written (also by a child process, e.g. the l2met
# binary that tst_process and tst_fleet start).
#
#   tests/sanitize.sh asan   # AddressSanitizer + UBSan (+ LeakSanitizer), the
#                            # whole suite, GUI tests included (offscreen)
#   tests/sanitize.sh tsan   # ThreadSanitizer, core + the threaded suites
#                            # (engine, stores, receiver, Librato outlet)
#
# Environment: BUILD_DIR (default <repo>/build-asan or build-tsan), JOBS
# (default 2), SKIP_DEPS=1 skips packaging/install-deps.sh, CTEST_ARGS extra
# ctest arguments (e.g. "-R tst_engine"). Uses GCC like the main build, and
# ccache (CCACHE_BASEDIR = the repo) when installed.
#
# Build type: Debug (-O0, Q_ASSERT on) for asan: its tests are wait-bound
# (tst_fleet and tst_abuse most of it) while -O1 makes the heavy test TUs
# compile 2-4x slower (the store suites, when they were one 1,400-line
# tst_store.cpp: 8 s at -O0, 29 s at -O1, 58 s at -O2).
# tsan uses -O1: TSan at -O0 is slow enough to make timing-sensitive tests
# flaky, and only core and the threaded suites (tsan_tests) are built. The
# asan run includes the small soak (label soak: the real l2met binary under
# ASan, with faults).
#
# Reports go to files (log_path) in <build>/sanitizer-logs/ so that reports
# of child processes are not lost; the script prints them and fails.
# Debian's Qt is not built with TSan: tests/sanitizers/tsan_qt_annotations.cpp
# tells TSan about Qt's synchronisation (checked by tsan_selftest.cpp first);
# tests/sanitizers/tsan.supp holds suppressions (none needed today).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
variant="${1:-}"
jobs="${JOBS:-2}"

case "$variant" in
asan)
  sanitize="-fsanitize=address,undefined -fno-sanitize-recover=all"
  link="-fsanitize=address,undefined"
  debug_flags="-g"
  gui=ON
  targets=(all)
  tests_regex=""
  ;;
tsan)
  sanitize="-fsanitize=thread"
  link="-fsanitize=thread"
  debug_flags="-g -O1"
  gui=OFF
  tsan_tests=(tst_testsupport tst_engine tst_store tst_storedelivery tst_storeconcurrency tst_redisstore tst_redisconnection tst_redisfaults tst_receiver tst_receiverlimits tst_receiverdedup tst_libratooutlet tst_sources)
  targets=("${tsan_tests[@]}")
  tests_regex="^($(IFS='|'; echo "${tsan_tests[*]}"))\$"
  ;;
*)
  echo "usage: tests/sanitize.sh <asan|tsan>" >&2
  exit 2
  ;;
esac
build="${BUILD_DIR:-$root/build-$variant}"

if [[ "${SKIP_DEPS:-0}" != 1 ]]; then
  bash "$root/packaging/install-deps.sh" --test
fi
command -v redis-server >/dev/null || { echo "sanitize.sh: redis-server is required" >&2; exit 1; }

if command -v ccache >/dev/null; then
  export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
  # Paths relative to the clone, so every fresh clone hits the same cache.
  export CCACHE_BASEDIR="$root"
fi

start=$(date +%s)
mkdir -p "$build"
if [[ "$variant" == tsan ]]; then
  # Qt's synchronisation, told to TSan (see the file). An object on every
  # executable's link line, so it interposes Qt's exported functions.
  annotations="$build/tsan_qt_annotations.o"
  # shellcheck disable=SC2046
  g++ -std=c++20 -fPIC -O1 -g -Wall -Wextra -Werror $(pkg-config --cflags Qt6Core) \
    -c "$here/sanitizers/tsan_qt_annotations.cpp" -o "$annotations"
  link="$link $annotations"
fi
# Configured every time (a few seconds): flag changes here take effect.
CC=gcc CXX=g++ cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Debug \
  "-DCMAKE_CXX_FLAGS_DEBUG=$debug_flags" \
  "-DCMAKE_CXX_FLAGS=$sanitize -fno-omit-frame-pointer" \
  "-DCMAKE_EXE_LINKER_FLAGS=$link" \
  -DL2MET_GUI=$gui -DBUILD_TESTING=ON -DL2MET_BENCHMARKS=OFF -DL2MET_FUZZ=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target "${targets[@]}"
built=$(date +%s)

logs="$build/sanitizer-logs"
rm -rf "$logs"
mkdir -p "$logs"
common="log_path=$logs/report:print_summary=1:symbolize=1"
export ASAN_OPTIONS="$common:detect_leaks=1:halt_on_error=1:abort_on_error=0:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=1:strict_string_checks=1"
export UBSAN_OPTIONS="$common:print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="$common"
# Reports do not stop the process (all races of a run are listed), but the
# process exits 66 and the log file fails the run.
# ignore_noninstrumented_modules: malloc/free/memcpy called from inside Qt
# (not instrumented) are not checked; their synchronisation still counts.
# die_after_fork=0: QProcess starts redis-server from a threaded test.
tsan="halt_on_error=0:exitcode=66:second_deadlock_stack=1:history_size=4"
tsan+=":ignore_noninstrumented_modules=1:die_after_fork=0:suppressions=$here/sanitizers/tsan.supp"
export TSAN_OPTIONS="$common:$tsan"
if [[ "$variant" == tsan ]]; then
  # The annotations must hide Qt's own synchronisation, not real races: the
  # self-test has exactly one real race, which must be the one report.
  # shellcheck disable=SC2046
  g++ -std=c++20 -fPIC -O1 -g -fsanitize=thread $(pkg-config --cflags Qt6Core) \
    "$here/sanitizers/tsan_selftest.cpp" "$annotations" $(pkg-config --libs Qt6Core) \
    -o "$build/tsan_selftest"
  selftest_log="$build/tsan_selftest.log"
  selftest_rc=0
  TSAN_OPTIONS="$tsan" "$build/tsan_selftest" > "$selftest_log" 2>&1 || selftest_rc=$?
  warnings=$(grep -c '^WARNING: ThreadSanitizer' "$selftest_log" || true)
  if [[ $selftest_rc != 66 || $warnings != 1 ]] || ! grep -q 'data race' "$selftest_log"; then
    cat "$selftest_log"
    echo "sanitize.sh: tsan self-test: expected exactly one data race (exit 66), got $warnings report(s), exit $selftest_rc" >&2
    exit 1
  fi
  echo "tsan self-test: the one real race reported, Qt synchronisation understood"
fi

# A test that needs redis-server fails rather than skips without it.
export L2MET_REQUIRE_REDIS=1
export QT_QPA_PLATFORM=offscreen

ctest_rc=0
ctest_args=(-j "$jobs" --output-on-failure --timeout 600)
[[ -n "$tests_regex" ]] && ctest_args+=(-R "$tests_regex")
# shellcheck disable=SC2206
ctest_args+=(${CTEST_ARGS:-})
(cd "$build" && ctest "${ctest_args[@]}") || ctest_rc=$?
done_at=$(date +%s)

reports=("$logs"/report.*)
report_count=0
if [[ -e "${reports[0]}" ]]; then
  report_count=${#reports[@]}
  for r in "${reports[@]}"; do
    echo "== sanitizer report $r"
    cat "$r"
  done
fi

echo
echo "== tests/sanitize.sh $variant summary"
echo "build: $((built - start))s, tests: $((done_at - built))s"
echo "ctest: $([[ $ctest_rc == 0 ]] && echo passed || echo "FAILED (exit $ctest_rc)")"
echo "sanitizer reports: $report_count (in $logs)"
((ctest_rc == 0 && report_count == 0))
