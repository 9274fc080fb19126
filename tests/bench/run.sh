#!/usr/bin/env bash
# tests/bench/run.sh: every benchmark with a target in the README's
# "Performance" section, one after the other on this machine, into a table
# (docs/bench/results.md, and results.tsv) and a chart (docs/bench/bench.png,
# drawn offscreen with Qt Charts by build/tests/bench_chart), both naming
# the CPU they ran on. Not part of ctest; takes about 4 minutes.
#
#   parser, one core (taskset), four bodies: bench_parser (target 5M lines/s)
#   memory per bucket: bench_cardinality (target 200 bytes)
#   ingest, memory store: bench_ingest.sh (2.5M lines/s, p99 5 ms, 64 MiB)
#   ingest, Redis, receiver only: bench_ingest_redis.sh (1.5M lines/s, p99 10 ms)
#   ingest with the window open (offscreen): L2MET_BENCH_GUI=1 bench_ingest.sh
#     (within 10% of headless, i.e. at least 90% of its lines/s; no frame
#     over 50 ms), 65 s since the window reports its frames once a minute
#
# Usage: tests/bench/run.sh [seconds per ingest run=10]
#   BUILD_DIR (default build, configured with -DL2MET_BENCHMARKS=ON),
#   BENCH_OUT (default docs/bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-10}"
build="${BUILD_DIR:-build}"
out="${BENCH_OUT:-docs/bench}"
for tool in bench_parser bench_cardinality bench_chart; do
  [[ -x "$build/tests/$tool" ]] || { echo "bench: build $build/tests/$tool first (-DL2MET_BENCHMARKS=ON)" >&2; exit 1; }
done
mkdir -p "$out"
cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
cores="$(nproc)"
tsv="$out/results.tsv"
printf 'benchmark\tvalue\tunit\ttarget\tbetter\tcommand\n' >"$tsv"
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$tsv"; echo "bench: $1 = $2 $3" >&2; }
get() { sed -n "s/^$1=//p" | tail -1; }
core=$(( cores > 1 ? 1 : 0 ))

for body in app router postgres distinct; do
  r="$(taskset -c "$core" "$build/tests/bench_parser" 3 "$body")"
  row "parser, $body body, one core" "$(get lines_per_second <<<"$r")" "lines/s" 5000000 higher \
      "taskset -c $core $build/tests/bench_parser 3 $body"
done

r="$("$build/tests/bench_cardinality" 1000000)"
row "memory per bucket (1M series)" "$(get bytes_per_bucket <<<"$r")" "bytes" 200 lower \
    "$build/tests/bench_cardinality 1000000"

r="$(BUILD_DIR="$build" tests/bench_ingest.sh "$seconds")"
row "ingest, memory store" "$(get lines_per_second <<<"$r")" "lines/s" 2500000 higher "tests/bench_ingest.sh $seconds"
row "ingest, memory store: p99" "$(get latency_p99_ms <<<"$r")" "ms" 5 lower "tests/bench_ingest.sh $seconds"
row "ingest, memory store: peak RSS" "$(get peak_rss_mib <<<"$r")" "MiB" 64 lower "tests/bench_ingest.sh $seconds"
headless="$(get lines_per_second <<<"$r")"
thread_cores="$(grep '^cores_' <<<"$r" | grep -v '=0.00$' || true)"

r="$(L2MET_BENCH_GUI=1 BUILD_DIR="$build" tests/bench_ingest.sh 65)"
gui="$(get lines_per_second <<<"$r")"
row "ingest, window open: % of headless" "$(awk -v g="$gui" -v h="$headless" 'BEGIN { printf "%.0f", 100 * g / h }')" \
    "%" 90 higher "L2MET_BENCH_GUI=1 tests/bench_ingest.sh 65"
row "ingest, window open: longest frame" "$(sed -n 's/.*frame_max_ms=\([0-9.]*\).*/\1/p' <<<"$r" | tail -1)" "ms" 50 lower \
    "L2MET_BENCH_GUI=1 tests/bench_ingest.sh 65"

if command -v redis-server >/dev/null; then
  r="$(BUILD_DIR="$build" tests/bench_ingest_redis.sh "$seconds" | sed '/# receiver and outlet/,$d')"
  row "ingest, Redis, receiver only" "$(get lines_per_second <<<"$r")" "lines/s" 1500000 higher \
      "tests/bench_ingest_redis.sh $seconds"
  row "ingest, Redis: p99" "$(get latency_p99_ms <<<"$r")" "ms" 10 lower "tests/bench_ingest_redis.sh $seconds"
fi

{
  echo "# Benchmarks"
  echo
  echo "Run by \`tests/bench/run.sh $seconds\` on $(date -u +%Y-%m-%d), CPU: $cpu ($cores cores)."
  echo
  echo "| benchmark | result | target | command |"
  echo "|---|---|---|---|"
  tail -n +2 "$tsv" | while IFS=$'\t' read -r name value unit target better command; do
    met=$(awk -v v="$value" -v t="$target" -v b="$better" 'BEGIN { print ((b == "higher" ? v >= t : v <= t) ? "met" : "not met") }')
    printf '| %s | %s %s | %s %s (%s) | `%s` |\n' "$name" "$value" "$unit" "$target" "$unit" "$met" "$command"
  done
  echo
  echo "Cores used during the memory-store ingest run (of $cores; user + system time over the run, wrk included):"
  echo
  echo "| thread | cores |"
  echo "|---|---|"
  sed 's/^cores_\([^=]*\)=\(.*\)$/| \1 | \2 |/' <<<"$thread_cores"
  echo
  echo "![benchmarks against their targets](bench.png)"
} >"$out/results.md"
QT_QPA_PLATFORM=offscreen "$build/tests/bench_chart" "$tsv" "$out/bench.png" "$cpu ($cores cores)"
echo "bench: wrote $out/results.md, $tsv and $out/bench.png" >&2
