#!/usr/bin/env bash
# bench_ingest_redis: the ingest benchmark (bench_ingest.sh) with REDIS_URL
# set, against a private redis-server on a free loopback port: receiver only,
# then receiver plus outlet, then receiver only over TLS (rediss://, a
# throw-away CA made with the openssl command) on the same server, to set
# against the plain TCP run. Also prints Redis used_memory per stored value
# (receiver only: nothing takes the values out). Not part of ctest.
#
# Usage: tests/bench_ingest_redis.sh [seconds=20]   (needs redis-server,
# redis-cli and openssl)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
command -v redis-server >/dev/null || { echo "bench_ingest_redis: redis-server is missing" >&2; exit 1; }
work="$(mktemp -d)"
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(freeport)
tls_port=$(freeport)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=bench CA" \
  -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$work/ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial \
  -days 1 -extfile "$work/ext" -out "$work/server.crt" 2>/dev/null
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" \
  --tls-port "$tls_port" --tls-cert-file "$work/server.crt" --tls-key-file "$work/server.key" \
  --tls-ca-cert-file "$work/ca.crt" --tls-auth-clients no >"$work/redis.log" 2>&1 &
redis=$!
trap 'kill "$redis" 2>/dev/null || true; wait "$redis" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
url="redis://127.0.0.1:$port"

echo "# receiver only"
base=$(redis-cli -p "$port" info memory | awk -F: '/^used_memory:/ { print $2 }' | tr -d '\r')
tests/bench_ingest.sh "$seconds" --redis-url "$url" -receiver -partitions 4 | tee "$work/receiver.txt"
used=$(redis-cli -p "$port" info memory | awk -F: '/^used_memory:/ { print $2 }' | tr -d '\r')
# Keys are binary (encoded bucket ids): count inside Redis.
values=$(redis-cli -p "$port" eval "local n = 0 for _, k in ipairs(redis.call('keys', 'l2met:b:*')) do n = n + redis.call('llen', k) end return n" 0)
echo "redis_values_stored=$values"
echo "redis_used_memory_mib=$(( (used - base) / 1048576 ))"
awk -v u="$((used - base))" -v v="$values" 'BEGIN { if (v > 0) printf "redis_bytes_per_value=%.1f\n", u / v }'
redis-cli -p "$port" flushall >/dev/null

echo "# receiver and outlet"
tests/bench_ingest.sh "$seconds" --redis-url "$url" -partitions 4
redis-cli -p "$port" flushall >/dev/null

echo "# receiver only, over TLS"
tests/bench_ingest.sh "$seconds" --redis-url "rediss://localhost:$tls_port" --redis-ca "$work/ca.crt" \
  -receiver -partitions 4
