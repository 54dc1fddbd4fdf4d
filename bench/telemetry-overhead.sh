#!/usr/bin/env bash
# What telemetry costs per request: requests/s at saturation on /api/ping (a JSON endpoint with no
# database work, so the per-request telemetry is the largest share it can be) with telemetry on and
# off, two instances measured alternately. Usage: bench/telemetry-overhead.sh [rounds] [seconds] [concurrency]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/telemetry-app.sh"
ROUNDS=${1:-8}; SECONDS_PER_RUN=${2:-6}; CONCURRENCY=${3:-64}

bench_setup
on_port=$(free_port 5301); start_app "$on_port"; on_pid=${APP_PIDS[-1]}
off_port=$(free_port $((on_port + 1))); start_app "$off_port" Telemetry__Enabled=false; off_pid=${APP_PIDS[-1]}
on_url="http://127.0.0.1:$on_port/api/ping"; off_url="http://127.0.0.1:$off_port/api/ping"
hey_rps "$on_url" 15s "$CONCURRENCY" >/dev/null; hey_rps "$off_url" 15s "$CONCURRENCY" >/dev/null   # JIT (tiered PGO takes ~20 s of load) and pools warm

alternate "$ROUNDS" "$SECONDS_PER_RUN" "$CONCURRENCY" "telemetry on" "$on_url" off "$off_url" "$on_pid" "$off_pid"
echo "telemetry overhead (/api/ping, hey -c $CONCURRENCY, ${ROUNDS}x${SECONDS_PER_RUN}s each):"
printf '  on:  %.0f req/s (median), %s us CPU per request\n  off: %.0f req/s (median), %s us CPU per request\n' "$MEDIAN_A" "$CPU_A" "$MEDIAN_B" "$CPU_B"
printf '  on/off: %s%% of the medians, %s%% the median round (target >= 97%%)\n' "$RATIO" "$PAIRED"
