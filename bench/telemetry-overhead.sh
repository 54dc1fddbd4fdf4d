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

on=(); off=()
for r in $(seq 1 "$ROUNDS"); do
    # Alternate which goes first so drift (thermal, other load) falls on both sides.
    if [ $((r % 2)) -eq 1 ]; then
        on+=("$(hey_rps "$on_url" "${SECONDS_PER_RUN}s" "$CONCURRENCY")"); off+=("$(hey_rps "$off_url" "${SECONDS_PER_RUN}s" "$CONCURRENCY")")
    else
        off+=("$(hey_rps "$off_url" "${SECONDS_PER_RUN}s" "$CONCURRENCY")"); on+=("$(hey_rps "$on_url" "${SECONDS_PER_RUN}s" "$CONCURRENCY")")
    fi
    echo "round $r: telemetry on ${on[-1]} req/s, off ${off[-1]} req/s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
m_on=$(median "${on[@]}"); m_off=$(median "${off[@]}")
ratio=$(awk -v a="$m_on" -v b="$m_off" 'BEGIN {printf "%.1f", 100*a/b}')
echo "telemetry overhead (/api/ping, hey -c $CONCURRENCY, ${ROUNDS}x${SECONDS_PER_RUN}s each):"
printf '  on:  %.0f req/s (median)\n  off: %.0f req/s (median)\n  on/off: %s%% (target >= 97%%)\n' "$m_on" "$m_off" "$ratio"
