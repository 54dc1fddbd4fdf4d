#!/usr/bin/env bash
# The store's /api/orders (two round trips, 25 ms each, waited inside PostgreSQL) at concurrency 200,
# once per mode, each in a fresh app process (cold thread pool): requests/s, p50, p99, peak threads,
# and the share of the Little's-law limit (200 / 0.050 s = 4,000/s). A last row runs Async on
# /api/products/{id} (one 50 ms round trip), the shape of DEPENDENCIES.md's bare-Npgsql figure.

set -euo pipefail
: "${LIVEDASH_ROOT:?run through ./livedash bench}" "${LIVEDASH_BENCH_PG:?run through ./livedash bench}"
DURATION=${BENCH_DURATION:-20}
CONCURRENCY=${BENCH_CONCURRENCY:-200}
LATENCY_MS=${BENCH_DB_LATENCY_MS:-25}
PORT=${BENCH_PORT:-5301}
MODES=${BENCH_MODES:-"Async Sync SyncOverAsync"}
URL="http://127.0.0.1:$PORT"
source "$(dirname "${BASH_SOURCE[0]}")/hey-figures.sh"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() { # label mode latency path
    local label=$1 mode=$2 latency=$3 path=$4 key
    key=$(printf '%s' "$1" | tr -c 'A-Za-z0-9' '_')
    ConnectionStrings__Postgres="$LIVEDASH_BENCH_PG" LiveDash__Mode="$mode" LiveDash__DbLatencyMs="$latency" \
        LiveDash__StateDir="$LIVEDASH_ROOT/.livedash" Logging__LogLevel__Default=Warning \
        dotnet "$LIVEDASH_ROOT/web/bin/Release/net10.0/LiveDash.Web.dll" --urls "$URL" --contentRoot "$LIVEDASH_ROOT/web" >"$out/app-$key.log" 2>&1 &
    local pid=$! i
    for i in $(seq 1 300); do curl -fsS -o /dev/null "$URL/api/health" 2>/dev/null && break; sleep 0.1; done
    curl -fsS -o /dev/null "$URL$path" || { echo "app did not start for $label:" >&2; tail "$out/app-$key.log" >&2; kill $pid; return 1; }
    ( peak=0
      while kill -0 $pid 2>/dev/null; do
          threads=$(awk '/^Threads:/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
          if [ "${threads:-0}" -gt "$peak" ]; then peak=$threads; echo "$peak" > "$out/peak-$key"; fi
          sleep 0.2
      done ) &
    local sampler=$!
    hey -z "${DURATION}s" -c "$CONCURRENCY" -t 30 "$URL$path" > "$out/hey-$key.txt" 2>&1 || true
    stop_app $pid
    kill $sampler 2>/dev/null; wait $sampler 2>/dev/null || true
}

row() { # label limit
    local label=$1 limit=$2 key share f
    key=$(printf '%s' "$1" | tr -c 'A-Za-z0-9' '_')
    f="$out/hey-$key.txt"
    hey_figures "$f"
    share=$(awk -v r="${RPS:-0}" -v l="$limit" 'BEGIN {printf "%.0f%%", 100 * r / l}')
    printf '%-26s %9s %9s %9s %7s %13s %12s\n' "$label" "${RPS:-?}" "${P50:-—}" "${P99:-—}" "$ERRORS" \
        "$(cat "$out/peak-$key" 2>/dev/null || echo ?)" "$share"
}

limit=$(awk -v c="$CONCURRENCY" -v l="$LATENCY_MS" 'BEGIN {printf "%.0f", c / (2 * l / 1000)}')
printf 'Store /api/orders, %d concurrent clients (hey), %d s per run, %d ms x 2 round trips inside PostgreSQL\n' "$CONCURRENCY" "$DURATION" "$LATENCY_MS"
printf "Little's-law limit: %d / %.3f s = %d req/s; p50/p99 '—' = under half the requests completed\n\n" "$CONCURRENCY" "$(awk -v l="$LATENCY_MS" 'BEGIN {print 2 * l / 1000}')" "$limit"
printf '%-26s %9s %9s %9s %7s %13s %12s\n' run "req/s" "p50 ms" "p99 ms" errors "peak threads" "of limit"
for mode in $MODES; do
    run "$mode /api/orders" "$mode" "$LATENCY_MS" "/api/orders?user=1"
    row "$mode /api/orders" "$limit"
done
one_trip=$((LATENCY_MS * 2))
run "Async /api/products/1" Async "$one_trip" "/api/products/1"
row "Async /api/products/1" "$(awk -v c="$CONCURRENCY" -v l="$one_trip" 'BEGIN {printf "%.0f", c / (l / 1000)}')"
printf '\n(last row: one round trip of %d ms, the same Little'"'"'s-law limit with half the database round trips)\n' "$one_trip"
