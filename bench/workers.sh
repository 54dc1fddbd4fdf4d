#!/usr/bin/env bash
# Server models: Async on one store worker against Async on the .NET thread pool, and Sync on one worker,
# each in a fresh app: hey -c 200 on /api/orders (25 ms x 2 inside PostgreSQL).
# Usage: bench/workers.sh [seconds] [concurrency]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/telemetry-app.sh"
SECONDS_PER_RUN=${1:-15}; CONCURRENCY=${2:-200}

bench_setup
printf 'hey -c %d for %d s on /api/orders, 25 ms x 2 round trips, a fresh app per row\n\n' "$CONCURRENCY" "$SECONDS_PER_RUN"
printf '%-26s %9s %9s %9s\n' run "req/s" "p50 ms" "p99 ms"
declare -A rps
for run in "Async 0" "Async 1" "Sync 1"; do
    read -r mode workers <<< "$run"
    port=$(free_port 5391)
    start_app "$port" LiveDash__Mode="$mode" LiveDash__DbLatencyMs=25 LiveDash__Workers="$workers"
    hey -z 3s -c "$CONCURRENCY" "http://127.0.0.1:$port/api/orders?user=1" >/dev/null 2>&1   # JIT, pools
    out=$(hey -z "${SECONDS_PER_RUN}s" -c "$CONCURRENCY" -t 30 "http://127.0.0.1:$port/api/orders?user=1" 2>/dev/null)
    label="$mode, $([ "$workers" = 0 ] && echo "thread pool" || echo "$workers worker")"
    rps[$run]=$(printf '%s\n' "$out" | awk '/Requests\/sec:/ {printf "%.0f", $2}')
    printf '%-26s %9s %9s %9s\n' "$label" "${rps[$run]}" \
        "$(printf '%s\n' "$out" | awk '$1 == "50%" && $2 == "in" {printf "%.1f", $3 * 1000}')" \
        "$(printf '%s\n' "$out" | awk '$1 == "99%" && $2 == "in" {printf "%.1f", $3 * 1000}')"
    kill -TERM "${APP_PIDS[-1]}" 2>/dev/null; wait "${APP_PIDS[-1]}" 2>/dev/null || true
done
echo
awk -v a="${rps[Async 1]}" -v b="${rps[Async 0]}" 'BEGIN {printf "Async on one worker: %.0f%% of Async on the thread pool (target >= 90%%)\n", 100 * a / b}'
awk -v s="${rps[Sync 1]}" 'BEGIN {printf "Sync on one worker: %s req/s, bounded by 1 / (2 x 25 ms) = 20 req/s\n", s}'
