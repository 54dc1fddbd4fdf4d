#!/usr/bin/env bash
# Server memory over a long run: ~2,000 req/s on /api/products/1 with two dashboards subscribed, one
# of them stalled (never reads). Prints the working set over time and its growth after warm-up.
# Usage: bench/memory-soak.sh [seconds=600] [rate=2000]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/telemetry-app.sh"
DURATION=${1:-600}; RATE=${2:-2000}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v node >/dev/null || bench_die "node is required for the reading dashboard"

bench_setup
port=$(free_port 5321); start_app "$port"
pid=${APP_PIDS[0]}
rss() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status"; }

/usr/bin/python3 "$here/stalled-dashboard.py" 127.0.0.1 "$port" "$((DURATION + 5))" &
APP_PIDS+=($!)
node --experimental-websocket --no-warnings "$here/tick-probe.js" "ws://127.0.0.1:$port/hubs/telemetry" "$DURATION" > "$here/../.livedash/soak-probe.txt" 2>&1 &
APP_PIDS+=($!)
# hey's -q is per worker: 40 workers x RATE/40 per second.
hey -z "${DURATION}s" -c 40 -q $((RATE / 40)) "http://127.0.0.1:$port/api/products/1" > "$here/../.livedash/soak-hey.txt" 2>&1 &
APP_PIDS+=($!)

echo "memory soak: ${DURATION} s at up to ${RATE} req/s on /api/products/1, one reading and one stalled dashboard"
warm=0
for ((t = 10; t <= DURATION; t += 10)); do
    sleep 10
    now=$(rss)
    [ $t -eq 60 ] && warm=$now
    if [ $((t % 60)) -eq 0 ]; then echo "  ${t} s: working set ${now} MiB"; fi
done
sleep 2
final=$(rss)
echo "  achieved: $(awk '/Requests\/sec/ {printf "%.0f req/s", $2}' "$here/../.livedash/soak-hey.txt")"
echo "  reading dashboard: $(head -n 1 "$here/../.livedash/soak-probe.txt")"
[ "$warm" -gt 0 ] && awk -v w="$warm" -v f="$final" 'BEGIN {printf "  working set after warm-up (60 s): %d MiB, at the end: %d MiB, growth %.1f%% (target <= 10%%)\n", w, f, 100 * (f - w) / w}'
