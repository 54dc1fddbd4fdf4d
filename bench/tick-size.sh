#!/usr/bin/env bash
# Tick size and freshness on the wire while /orders runs under load (waterfall full every tick).
# Usage: bench/tick-size.sh [seconds] [concurrency]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/telemetry-app.sh"
DURATION=${1:-10}; CONCURRENCY=${2:-32}
command -v node >/dev/null || bench_die "node is required for the WebSocket probe"

bench_setup
port=$(free_port 5311); start_app "$port"
hey -z "$((DURATION + 3))s" -c "$CONCURRENCY" "http://127.0.0.1:$port/orders?user=7" >/dev/null 2>&1 &
APP_PIDS+=($!)
sleep 1
echo "tick stream under load (/orders?user=7, hey -c $CONCURRENCY, Async mode):"
node --experimental-websocket --no-warnings "$(dirname "${BASH_SOURCE[0]}")/tick-probe.js" "ws://127.0.0.1:$port/hubs/telemetry" "$DURATION" | sed 's/^/  /'
