#!/usr/bin/env bash
# Server memory over a long run: ~2,000 req/s on /api/products/1 with two dashboards subscribed, one
# of them stalled (never reads). Prints the working set over time and its growth after warm-up.
# A load agent runs beside it (AGENT_RATE/s on /api/ping, 0 for none): its resident set over time too, and
# its managed heap after a forced full collection (the agent's LIVEDASH_AGENT_MEMORY_EVERY report, each minute).
# Usage: bench/memory-soak.sh [seconds=600] [rate=2000] [agent-rate=300]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/telemetry-app.sh"
DURATION=${1:-600}; RATE=${2:-2000}; AGENT_RATE=${3:-300}
AGENT_DLL="$ROOT/loadcli/bin/Release/net10.0/LiveDash.LoadTests.Cli.dll"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v node >/dev/null || bench_die "node is required for the reading dashboard"

bench_setup
[ "$AGENT_RATE" = 0 ] || [ -f "$AGENT_DLL" ] || dotnet build "$ROOT/loadcli/LiveDash.LoadTests.Cli.csproj" -c Release -v q -nologo >/dev/null || bench_die "build failed"
port=$(free_port 5321); start_app "$port"
pid=${APP_PIDS[0]}
rss_of() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo 0; }
rss() { rss_of "$pid"; }
agent_pid=""
if [ "$AGENT_RATE" != 0 ]; then
    LIVEDASH_ADMIN_PASSWORD=bench LIVEDASH_AGENT_MEMORY_EVERY=60 dotnet "$AGENT_DLL" agent --server "http://127.0.0.1:$port" --name soak \
        > "$here/../.livedash/soak-agent.txt" 2>&1 &
    agent_pid=$!
    APP_PIDS+=($agent_pid)
    for _ in $(seq 1 100); do
        curl -fsS -u admin:bench "http://127.0.0.1:$port/admin/api/load/agents" 2>/dev/null | grep -q '"soak"' && break
        sleep 0.2
    done
    curl -fsS -u admin:bench -H 'Content-Type: application/json' -o /dev/null "http://127.0.0.1:$port/admin/api/load/runs" \
        -d "{\"scenario\":\"url\",\"path\":\"/api/ping\",\"rate\":$AGENT_RATE,\"durationSeconds\":$DURATION}" || bench_die "the agent's run did not start"
fi

/usr/bin/python3 "$here/soak-dashboard.py" stalled 127.0.0.1 "$port" "$((DURATION + 5))" /dev/null &
APP_PIDS+=($!)
node --experimental-websocket --no-warnings "$here/tick-probe.js" "ws://127.0.0.1:$port/hubs/telemetry" "$DURATION" > "$here/../.livedash/soak-probe.txt" 2>&1 &
APP_PIDS+=($!)
# hey's -q is per worker: 40 workers x RATE/40 per second.
hey -z "${DURATION}s" -c 40 -q $((RATE / 40)) "http://127.0.0.1:$port/api/products/1" > "$here/../.livedash/soak-hey.txt" 2>&1 &
APP_PIDS+=($!)

echo "memory soak: ${DURATION} s at up to ${RATE} req/s on /api/products/1, one reading and one stalled dashboard" \
    "$([ -n "$agent_pid" ] && echo "; an agent at ${AGENT_RATE}/s on /api/ping")"
warm=0; agent_warm=0
for ((t = 10; t <= DURATION; t += 10)); do
    sleep 10
    now=$(rss)
    [ $t -eq 60 ] && warm=$now
    [ -n "$agent_pid" ] && [ $t -eq 60 ] && agent_warm=$(rss_of "$agent_pid")
    if [ $((t % 60)) -eq 0 ]; then
        echo "  ${t} s: working set ${now} MiB$([ -n "$agent_pid" ] && echo ", agent $(rss_of "$agent_pid") MiB ($(grep '^memory:' "$here/../.livedash/soak-agent.txt" | tail -n 1 | sed 's/.*live after a full collection \([0-9.]*\) MiB.*/\1/') MiB live after a full collection)")"
    fi
done
sleep 2
final=$(rss)
agent_final=$([ -n "$agent_pid" ] && rss_of "$agent_pid" || echo 0)
echo "  achieved: $(awk '/Requests\/sec/ {printf "%.0f req/s", $2}' "$here/../.livedash/soak-hey.txt")"
echo "  reading dashboard: $(head -n 1 "$here/../.livedash/soak-probe.txt")"
[ "$warm" -gt 0 ] && awk -v w="$warm" -v f="$final" 'BEGIN {printf "  working set after warm-up (60 s): %d MiB, at the end: %d MiB, growth %.1f%% (target <= 10%%)\n", w, f, 100 * (f - w) / w}'
if [ -n "$agent_pid" ] && [ "$agent_warm" -gt 0 ]; then
    curl -fsS -u admin:bench "http://127.0.0.1:$port/admin/api/load/runs" | grep -o '"requests":[0-9]*' | head -n 1 | sed 's/"requests":/  agent requests: /'
    awk -v w="$agent_warm" -v f="$agent_final" -v s="$DURATION" 'BEGIN {printf "  agent resident set after warm-up (60 s): %d MiB, at the end: %d MiB, %.1f MiB a minute after warm-up\n", w, f, (s > 60 ? (f - w) * 60 / (s - 60) : 0)}'
fi
