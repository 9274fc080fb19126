#!/usr/bin/env bash
# bench_ingest: l2met --no-gui (memory store, preview so nothing leaves the
# machine) driven by wrk at 16 connections with 100-frame logplex bodies like
# bench_parser's. Prints lines per second (accepted and parsed), request
# latency (p50, p99) and l2met's peak RSS, machine-readable, one key=value a
# line, and the cores each of its threads (and wrk) used. Not part of ctest.
#
# With L2MET_BENCH_GUI=1, l2met runs with its window (offscreen platform) and
# the GUI thread's frame times under that load are printed too (the run
# lasts at least 65 s so that the once-a-minute frame report comes out).
#
# Usage: tests/bench_ingest.sh [seconds=20] [extra l2met flags...]
#   e.g. tests/bench_ingest.sh 20 --redis-url redis://127.0.0.1:6379 -receiver
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
shift || true
build="${BUILD_DIR:-build}"
l2met="$build/app/l2met"
bench_parser="$build/tests/bench_parser"
command -v wrk >/dev/null || { echo "bench_ingest: wrk is missing (apt-get install wrk)" >&2; exit 1; }
[[ -x "$l2met" && -x "$bench_parser" ]] || { echo "bench_ingest: build first ($l2met)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

mode=(--no-gui)
load=()
if [[ -n "${L2MET_BENCH_GUI:-}" ]]; then
  mode=(-v)
  # With the window, l2met's workers run at nice 5 so that the GUI thread
  # comes first; wrk, standing in for logplex on another machine, runs at
  # the same nice rather than above them.
  load=(nice -n 5)
  export QT_QPA_PLATFORM=offscreen
  (( seconds < 65 )) && seconds=65
fi
"$l2met" "${mode[@]}" --config "$work/l2met.conf" -port "$port" --bind 127.0.0.1 --preview "$@" \
  >"$work/l2met.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.1
done
token=$("$l2met" --config "$work/l2met.conf" --sign bench@example.com:bench-token | sed -n 's/^token=//p')
"$bench_parser" --write-body "$work/body"
frames=100
auth=$(printf '%s:' "$token" | base64 -w0)
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Basic $auth"
wrk.headers["Content-Type"] = "application/logplex-1"
local f = io.open("$work/body", "rb")
wrk.body = f:read("*a")
f:close()
LUA

metric() { curl -fs "http://127.0.0.1:$port/metrics" | awk -v n="l2met_$1" '$1 == n { print $2 }'; }
# CPU ticks (user + system) per thread name of a process, one "name ticks"
# a line, numbered threads (l2met-parse-0, -1...) together: where the time
# goes (the HTTP thread, the parsers, the store writer).
thread_ticks() {
  local stat line name rest
  for stat in /proc/"$1"/task/*/stat; do
    line=$(cat "$stat" 2>/dev/null) || continue
    name=${line#*(}; name=${name%)*}; name=${name// /_}; name=${name%-[0-9]*}
    rest=${line##*) }
    read -r -a f <<<"$rest" # f[0] is the state; utime and stime are f[11] and f[12]
    echo "$name $(( f[11] + f[12] ))"
  done | awk '{ t[$1] += $2 } END { for (n in t) print n, t[n] }'
}
before=$(metric lines_aggregated)
thread_ticks "$pid" >"$work/ticks.before"
TIMEFORMAT='%U %S'
{ time "${load[@]}" wrk -t2 -c16 -d"${seconds}s" --latency -s "$work/post.lua" "http://127.0.0.1:$port/logs" >"$work/wrk.txt"; } \
  2>"$work/wrk.time"
thread_ticks "$pid" >"$work/ticks.after"
accepted=$(metric bodies_accepted)
# Wait until every accepted body is parsed (the inbox drains).
for _ in $(seq 200); do
  [[ "$(metric bodies_parsed)" == "$accepted" ]] && break
  sleep 0.05
done
after=$(metric lines_aggregated)
rss_kb=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")

requests=$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk.txt")
non2xx=$(awk '/Non-2xx/ { print $5 }' "$work/wrk.txt")
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v); print v } else { sub(/s$/, "", v); print v * 1000 } }'; }
p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$work/wrk.txt")")
p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$work/wrk.txt")")

echo "seconds=$seconds"
echo "requests_per_second=$requests"
echo "non_2xx=${non2xx:-0}"
echo "bodies_accepted=$accepted"
echo "lines_parsed=$((after - before))"
echo "latency_p50_ms=$p50"
echo "latency_p99_ms=$p99"
echo "peak_rss_mib=$((rss_kb / 1024))"
# Cores used during the run, by l2met's threads (parsers together) and wrk.
hz=$(getconf CLK_TCK)
join <(sort "$work/ticks.before") <(sort "$work/ticks.after") |
  awk -v hz="$hz" -v s="$seconds" '{ printf "cores_%s=%.2f\n", $1, ($3 - $2) / hz / s }'
awk -v s="$seconds" '{ printf "cores_wrk=%.2f\n", ($1 + $2) / s }' "$work/wrk.time"
# Offered: every request wrk made; accepted: answered 200 and parsed (503s
# are l2met shedding load it cannot parse in time; logplex retries them).
awk -v r="$requests" -v f="$frames" 'BEGIN { printf "offered_lines_per_second=%.0f\n", r * f }'
if [[ -n "${L2MET_BENCH_GUI:-}" ]]; then
  grep -o 'at=ui.frames.*' "$work/l2met.log" | tail -1 || echo "gui_frames=missing"
fi
awk -v l="$((after - before))" -v s="$seconds" 'BEGIN { printf "lines_per_second=%.0f\n", l / s }'
