#!/usr/bin/env bash
# LiveDash's Async /api/orders against a bare minimal API running the same two statements through the
# same PostgresStore (bench/BareOrders), at concurrency 120, 25 ms x 2 inside PostgreSQL: alternating
# rounds in one run, so drift falls on both. Usage: bench/hot-path.sh [rounds] [seconds] [concurrency]
# Prints the ratio of the medians and the median of each round's own ratio, and each server's CPU time per request.
# Both keep their PostgreSQL pools as bare does (opened on demand, Minimum Pool Size=0): the app's default warm pool
# of 200 kept connections would leave bare ~100 of the cluster's 300, fewer than the 120 clients (bare then answers
# 500s and reconnects). HOT_PATH_APP_ENV: extra settings for the app, e.g. "Telemetry__MeasureThreadTime=false".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/telemetry-app.sh"
ROUNDS=${1:-20}; SECONDS_PER_RUN=${2:-6}; CONCURRENCY=${3:-120}
BARE_DLL="$ROOT/bench/BareOrders/bin/Release/net10.0/LiveDash.Bench.BareOrders.dll"

bench_setup
dotnet build "$ROOT/bench/BareOrders/LiveDash.Bench.BareOrders.csproj" -c Release -v q -nologo >/dev/null || bench_die "could not build bench/BareOrders"
read -r -a extra_env <<< "${HOT_PATH_APP_ENV:-}"
app_port=$(free_port 5371)
start_app "$app_port" ConnectionStrings__Postgres="$BENCH_CONN;Minimum Pool Size=0" LiveDash__Mode=Async LiveDash__DbLatencyMs=25 "${extra_env[@]}"
app_pid=${APP_PIDS[-1]}
bare_port=$(free_port $((app_port + 1)))
ConnectionStrings__Postgres="$BENCH_CONN" BARE_DB_LATENCY_MS=25 dotnet "$BARE_DLL" --urls "http://127.0.0.1:$bare_port" >/dev/null 2>&1 &
APP_PIDS+=($!); bare_pid=$!
for _ in $(seq 1 300); do curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$bare_port/bare/orders?user=1" 2>/dev/null && break; sleep 0.1; done
app_url="http://127.0.0.1:$app_port/api/orders?user=1"; bare_url="http://127.0.0.1:$bare_port/bare/orders?user=1"
hey_rps "$app_url" 15s "$CONCURRENCY" >/dev/null; hey_rps "$bare_url" 15s "$CONCURRENCY" >/dev/null   # JIT (tiered PGO), pools, plans warm

alternate "$ROUNDS" "$SECONDS_PER_RUN" "$CONCURRENCY" LiveDash "$app_url" bare "$bare_url" "$app_pid" "$bare_pid"
echo "Async /api/orders (hey -c $CONCURRENCY, 25 ms x 2, ${ROUNDS}x${SECONDS_PER_RUN}s each):"
printf '  LiveDash: %.0f req/s (median), %s us CPU per request (the whole machine: %s)\n  bare:     %.0f req/s (median), %s us CPU per request (the whole machine: %s)\n' \
    "$MEDIAN_A" "$CPU_A" "$MACHINE_A" "$MEDIAN_B" "$CPU_B" "$MACHINE_B"
printf '  LiveDash/bare CPU per request: %sx (target <= 1.05x)\n' "$(awk -v a="$CPU_A" -v b="$CPU_B" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}')"
printf '  LiveDash/bare: %s%% of the medians, %s%% the median round (target >= 97%%)\n' "$RATIO" "$PAIRED"
