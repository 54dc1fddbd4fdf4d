#!/usr/bin/env bash
# What telemetry costs per request: requests/s at saturation on /api/ping (a JSON endpoint with no
# database work, so the per-request telemetry is the largest share it can be) with telemetry on and
# off, two instances measured alternately. Usage: bench/telemetry-overhead.sh [rounds] [seconds] [concurrency]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/telemetry-app.sh"
ROUNDS=${1:-4}; SECONDS_PER_RUN=${2:-8}; CONCURRENCY=${3:-64}

bench_setup
on_port=$(free_port 5301); start_app "$on_port"
off_port=$(free_port $((on_port + 1))); start_app "$off_port" Telemetry__Enabled=false
on_url="http://127.0.0.1:$on_port/api/ping"; off_url="http://127.0.0.1:$off_port/api/ping"
hey_rps "$on_url" 3s "$CONCURRENCY" >/dev/null; hey_rps "$off_url" 3s "$CONCURRENCY" >/dev/null   # JIT and pools warm

alternate "$ROUNDS" "$SECONDS_PER_RUN" "$CONCURRENCY" "telemetry on" "$on_url" off "$off_url"
echo "telemetry overhead (/api/ping, hey -c $CONCURRENCY, ${ROUNDS}x${SECONDS_PER_RUN}s each):"
printf '  on:  %.0f req/s (median)\n  off: %.0f req/s (median)\n  on/off: %s%% (target >= 97%%)\n' "$MEDIAN_A" "$MEDIAN_B" "$RATIO"
