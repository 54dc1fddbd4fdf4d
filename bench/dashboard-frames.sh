#!/usr/bin/env bash
# Does the dashboard stay live while the server starves? hey -c 100 on /api/orders in Sync mode on the thread
# pool (the classic starvation), while a probe reads /hubs/telemetry like a dashboard: frames/s, gaps, how far behind.
# Usage: bench/dashboard-frames.sh [seconds=10] [concurrency=100]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/telemetry-app.sh"
DURATION=${1:-10}; CONCURRENCY=${2:-100}
command -v node >/dev/null || bench_die "node is required for the WebSocket probe"

bench_setup
port=$(free_port 5331)
start_app "$port" LiveDash__Mode=Sync LiveDash__Workers=0 LiveDash__MinThreads=0
probe() { node --experimental-websocket --no-warnings "$(dirname "${BASH_SOURCE[0]}")/frame-probe.js" "ws://127.0.0.1:$port/hubs/telemetry" "$1" | sed 's/^/  /'; }
echo "idle, for comparison:"
probe 3
hey -z "$((DURATION + 5))s" -c "$CONCURRENCY" "http://127.0.0.1:$port/api/orders?user=7" >/dev/null 2>&1 &
APP_PIDS+=($!)
sleep 3
echo "under hey -c $CONCURRENCY on /api/orders?user=7, Sync mode, thread pool (workers 0):"
probe "$DURATION"
