#!/usr/bin/env bash
# The store's /api/orders (two round trips, 25 ms each, waited inside PostgreSQL) at concurrency 200,
# once per mode, each in a fresh app process: requests/s, p50, p99, peak threads, and Async's share
# of the Little's-law limit (200 / 0.050 s = 4,000/s). Run through ./livedash bench.
set -euo pipefail
: "${LIVEDASH_ROOT:?run through ./livedash bench}" "${LIVEDASH_BENCH_PG:?run through ./livedash bench}"
DURATION=${BENCH_DURATION:-20}
CONCURRENCY=${BENCH_CONCURRENCY:-200}
LATENCY_MS=${BENCH_DB_LATENCY_MS:-25}
PORT=${BENCH_PORT:-5301}
MODES=${BENCH_MODES:-"Async Sync SyncOverAsync"}
URL="http://127.0.0.1:$PORT"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run_mode() {
    local mode=$1
    ConnectionStrings__Postgres="$LIVEDASH_BENCH_PG" LiveDash__Mode="$mode" LiveDash__DbLatencyMs="$LATENCY_MS" \
        LiveDash__StateDir="$LIVEDASH_ROOT/.livedash" Logging__LogLevel__Default=Warning \
        dotnet "$LIVEDASH_ROOT/web/bin/Release/net10.0/LiveDash.Web.dll" --urls "$URL" --contentRoot "$LIVEDASH_ROOT/web" >"$out/app-$mode.log" 2>&1 &
    local pid=$! i
    for i in $(seq 1 300); do curl -fsS -o /dev/null "$URL/api/health" 2>/dev/null && break; sleep 0.1; done
    curl -fsS -o /dev/null "$URL/api/orders?user=1" || { echo "app did not start in $mode mode:" >&2; tail "$out/app-$mode.log" >&2; kill $pid; return 1; }
    local peak=0 threads
    ( while kill -0 $pid 2>/dev/null; do
          threads=$(awk '/^Threads:/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
          [ "${threads:-0}" -gt "$peak" ] && peak=$threads && echo "$peak" > "$out/peak-$mode"
          sleep 0.2
      done ) &
    local sampler=$!
    hey -z "${DURATION}s" -c "$CONCURRENCY" -t 30 "$URL/api/orders?user=1" > "$out/hey-$mode.txt" 2>&1 || true
    kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true
    kill $sampler 2>/dev/null; wait $sampler 2>/dev/null || true
}

printf 'Store /api/orders, %d concurrent clients, %d s per mode, %d ms x 2 round trips inside PostgreSQL\n\n' "$CONCURRENCY" "$DURATION" "$LATENCY_MS"
printf '%-14s %10s %10s %10s %8s %12s %14s\n' mode "req/s" "p50 ms" "p99 ms" errors "peak threads" "of Little's"
limit=$(awk -v c="$CONCURRENCY" -v l="$LATENCY_MS" 'BEGIN {printf "%.0f", c / (2 * l / 1000)}')
for mode in $MODES; do
    run_mode "$mode"
    f="$out/hey-$mode.txt"
    rps=$(awk '/Requests\/sec:/ {printf "%.0f", $2}' "$f")
    p50=$(awk '$1 == "50%" && $2 == "in" {printf "%.1f", $3 * 1000}' "$f")
    p99=$(awk '$1 == "99%" && $2 == "in" {printf "%.1f", $3 * 1000}' "$f")
    # Non-200 answers plus transport errors ("[count]  Get ...: reason" under "Error distribution").
    errors=$(awk '/Status code distribution/ {s = 1; next} /Error distribution/ {s = 0; e = 1; next}
                  s && /\[[0-9]+\]/ {code = $1; gsub(/[][]/, "", code); if (code != "200") n += $2}
                  e && /\[[0-9]+\]/ {c = $1; gsub(/[][]/, "", c); n += c}
                  END {print n + 0}' "$f")
    share=$(awk -v r="${rps:-0}" -v l="$limit" 'BEGIN {printf "%.0f%%", 100 * r / l}')
    printf '%-14s %10s %10s %10s %8s %12s %14s\n' "$mode" "${rps:-?}" "${p50:-?}" "${p99:-?}" "$errors" "$(cat "$out/peak-$mode" 2>/dev/null || echo ?)" "$share"
done
printf '\nLittle'"'"'s-law limit: %d concurrent / %.3f s = %d req/s\n' "$CONCURRENCY" "$(awk -v l="$LATENCY_MS" 'BEGIN {print 2 * l / 1000}')" "$limit"
