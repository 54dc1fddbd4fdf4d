#!/usr/bin/env bash
# End to end against in app, the way issue readers check it: hey -c 100 on /api/orders (25 ms x 2 inside
# PostgreSQL) for 10 s per mode, each in a fresh app process (cold thread pool); then the app's own
# summary of the same 10 s (GET /admin/api/telemetry/summary?seconds=10) beside hey's mean.
# Usage: bench/end-to-end.sh [seconds] [concurrency]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/telemetry-app.sh"
SECONDS_PER_RUN=${1:-10}; CONCURRENCY=${2:-100}

bench_setup
printf 'hey -c %d for %d s on /api/orders, 25 ms x 2 round trips, a fresh app per mode\n\n' "$CONCURRENCY" "$SECONDS_PER_RUN"
printf '%-6s %8s %10s %14s %10s %12s %10s %9s\n' mode "req/s" "hey mean" "end-to-end" "in-app" "waiting" "e2e/hey" source
for mode in Sync Async; do
    port=$(free_port 5341)
    start_app "$port" LiveDash__Mode="$mode" LiveDash__DbLatencyMs=25
    url="http://127.0.0.1:$port"
    out=$(hey -z "${SECONDS_PER_RUN}s" -c "$CONCURRENCY" -t 30 "$url/api/orders?user=1" 2>/dev/null)
    sleep 1.2   # the summary covers whole seconds that have ended
    summary=$(curl -fsS -u admin:bench "$url/admin/api/telemetry/summary?seconds=$SECONDS_PER_RUN")
    read -r rps hey_mean < <(printf '%s\n' "$out" | awk '/Requests\/sec/ {r=$2} /Average:/ {m=$2*1000} END {printf "%.0f %.1f\n", r, m}')
    python3 - "$mode" "$rps" "$hey_mean" "$summary" <<'PY'
import json, sys
mode, rps, hey_mean, s = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
e2e, app, wait = s["endToEnd"]["meanMs"], s["inApp"]["meanMs"], s["waitingForThread"]["meanMs"]
print(f'{mode:<6} {rps:8.0f} {hey_mean:8.1f} ms {e2e:11.1f} ms {app:7.1f} ms {wait:9.1f} ms {100 * e2e / hey_mean:8.0f}% {s["endToEnd"]["source"]:>9}')
PY
    kill -TERM "${APP_PIDS[-1]}" 2>/dev/null; wait "${APP_PIDS[-1]}" 2>/dev/null || true
done
echo
echo "end-to-end = bytes received at the socket -> response sent; in-app = our first middleware -> response done"
