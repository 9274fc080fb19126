#!/usr/bin/env bash
# The soak test matrix: every scenario against the memory store and Redis,
# a summary table, and a non-zero exit when anything did not reconcile.
#
#   tests/soak/run.sh [--ci] [LINES] [SCENARIO...]
#
# LINES is per run (default 1000000). --ci is the small run CTest does
# (test `soak`): 15000 lines per run, spread over 3 s so that faults land
# while windows are being delivered, about 200k lines in all, the memory
# and the Redis matrices side by side (the load is light), Redis paused
# 2.5 s. Scenarios: clean
# librato-500 librato-429 librato-stall failing-account redis-pause
# outlet-kill sigterm (default: all; redis-pause and outlet-kill are Redis
# only). SOAK_STORES="memory redis" picks the stores ("rediss": Redis over
# TLS as an ACL user; --ci adds it for clean, redis-pause and outlet-kill,
# after the other two); L2MET_SOAK the
# l2met_soak binary (default: the first of build-soak/ and build/ that has
# one); SOAK_ARGS extra l2met_soak flags (e.g. --keep, --seed 7).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

lines=1000000
min_seconds=0
parallel=0
extra=()
tls_after=()
if [[ ${1:-} == --ci ]]; then
  shift
  lines=15000
  min_seconds=3
  parallel=1
  # Long enough to time every Redis call out and fill the outboxes at this
  # size. (2000 ms, the command timeout, is where a chunk Redis runs after
  # the client gave up on it shows; write tokens keep it from counting
  # twice: run the large size with the default for that.)
  extra=(--pause-ms 2500)
  [[ -z ${SOAK_STORES:-} ]] && tls_after=(clean redis-pause outlet-kill)
fi
if [[ ${1:-} =~ ^[0-9]+$ ]]; then
  lines=$1
  shift
fi
scenarios=("$@")
if [[ ${#scenarios[@]} -eq 0 ]]; then
  scenarios=(clean librato-500 librato-429 librato-stall failing-account redis-pause outlet-kill sigterm)
fi
read -r -a stores <<<"${SOAK_STORES:-memory redis}"

soak=${L2MET_SOAK:-}
if [[ -z $soak ]]; then
  for dir in "$root/build-soak" "$root/build"; do
    if [[ -x $dir/tests/soak/l2met_soak ]]; then
      soak=$dir/tests/soak/l2met_soak
      break
    fi
  done
fi
if [[ -z $soak || ! -x $soak ]]; then
  echo "run.sh: no l2met_soak binary (build the tests, or set L2MET_SOAK)" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
format='%-7s %-16s %-9s %9s %7s %10s %6s %8s %8s %8s %7s\n'

field() { # field NAME LINE
  sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" <<<" $2"
}

# Runs one store's scenarios: output in $work/out.STORE, table rows in
# $work/rows.STORE; fails when any run did.
run_store() {
  local store=$1 failed=0 scenario out code summary result
  for scenario in "${scenarios[@]}"; do
    if [[ $store == memory && ($scenario == redis-pause || $scenario == outlet-kill) ]]; then
      continue
    fi
    if [[ $store == rediss && ${#tls_after[@]} -gt 0 && ! " ${tls_after[*]} " =~ " $scenario " ]]; then
      continue
    fi
    # Under ASan, the TLS receivers ignore leaks made inside OpenSSL
    # (tests/sanitizers/lsan-openssl.supp says why); every other run checks.
    local lsan=${LSAN_OPTIONS:-}
    if [[ $store == rediss && -n $lsan ]]; then
      lsan="$lsan:suppressions=$root/tests/sanitizers/lsan-openssl.supp:print_suppressions=0"
    fi
    # shellcheck disable=SC2086
    out=$(LSAN_OPTIONS=$lsan "$soak" --store "$store" --scenario "$scenario" --lines "$lines" --min-seconds "$min_seconds" "${extra[@]}" ${SOAK_ARGS:-} 2>&1)
    code=$?
    [[ $code -ne 0 ]] && failed=1
    echo "$out" >>"$work/out.$store"
    [[ $parallel -eq 0 ]] && echo "$out"
    summary=$(grep -m1 '^store=' <<<"$out")
    result=$(field result "$summary")
    # shellcheck disable=SC2059
    printf "$format" "$store" "$scenario" "${result:-ERROR($code)}" "$(field lines "$summary")" \
      "$(field seconds "$summary")" "$(field lines_per_s "$summary")" "$(field http_503 "$summary")" \
      "$(field gauges "$summary")" "$(field retried_gauges "$summary")" "$(field failed_gauges "$summary")" \
      "$(field resent "$summary")" >>"$work/rows.$store"
  done
  return $failed
}

failed=0
start=$SECONDS
if [[ $parallel -eq 1 ]]; then
  pids=()
  for store in "${stores[@]}"; do
    run_store "$store" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do
    wait "$pid" || failed=1
  done
  for store in "${stores[@]}"; do
    cat "$work/out.$store" 2>/dev/null
  done
else
  for store in "${stores[@]}"; do
    run_store "$store" || failed=1
  done
fi
if [[ ${#tls_after[@]} -gt 0 ]]; then
  stores+=(rediss)
  run_store rediss || failed=1
  cat "$work/out.rediss" 2>/dev/null
fi

echo
# shellcheck disable=SC2059
printf "$format" store scenario result lines seconds lines/s 503s gauges retried failed resent
for store in "${stores[@]}"; do
  cat "$work/rows.$store" 2>/dev/null
done
echo "soak: $((SECONDS - start)) s, $([[ $failed -eq 0 ]] && echo 'everything reconciled' || echo 'MISMATCH')"
exit $failed
