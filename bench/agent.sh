#!/usr/bin/env bash
# The load agent is lean: requests per CPU-second of a real agent process (./livedash agent) against
# Debian's hey, same app, same endpoint, same concurrency and duration, one after the other.
# CPU is the tool's own user + system time: /proc/<pid>/stat for the agent (read just before and just
# after its run), /usr/bin/time for hey. The app shares the machine's cores with whichever tool runs.
# Env: BENCH_SECONDS (default 10) per run, BENCH_ROUNDS (default 2) alternating agent/hey rounds,
# BENCH_CONCURRENCY (default 50), BENCH_PATH (default /css/site.css).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/telemetry-app.sh"
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
CONCURRENCY=${BENCH_CONCURRENCY:-50}
ENDPOINT=${BENCH_PATH:-/css/site.css}
RUNNER="$ROOT/loadcli/bin/Release/net10.0/LiveDash.LoadTests.Cli.dll"
AGENT_PID=""
HZ=$(getconf CLK_TCK)
WORK=$(mktemp -d)

bench_setup
dotnet build "$ROOT/loadcli/LiveDash.LoadTests.Cli.csproj" -c Release -v q -nologo >/dev/null || bench_die "build failed"
[ -x /usr/bin/time ] || bench_die "/usr/bin/time is required (apt-get install time)"
stop_agent() { if [ -n "$AGENT_PID" ]; then kill -TERM "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null || true; fi; bench_cleanup; rm -rf "$WORK"; }
trap stop_agent EXIT INT TERM

port=$(free_port 5420)
start_app "$port"
URL="http://127.0.0.1:$port"
api() { curl -fsS -u admin:bench -H 'Content-Type: application/json' "$@"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

LIVEDASH_ADMIN_PASSWORD=bench dotnet "$RUNNER" agent --server "$URL" --name bench >/dev/null 2>&1 &
AGENT_PID=$!
for _ in $(seq 1 100); do api "$URL/admin/api/load/agents" | grep -q '"state":"idle"' && break; sleep 0.2; done
api "$URL/admin/api/load/agents" | grep -q '"state":"idle"' || bench_die "the agent did not connect"

# Warm both the app and the agent's JIT, unmeasured.
hey -z 2s -c "$CONCURRENCY" "$URL$ENDPOINT" >/dev/null
run_agent() { # seconds -> prints requests
    local id state=running
    id=$(api -X POST -d "{\"scenario\":\"url\",\"path\":\"$ENDPOINT\",\"users\":$CONCURRENCY,\"durationSeconds\":$1}" "$URL/admin/api/load/runs" | sed -E 's/.*"id":"([^"]+)".*/\1/')
    while [ "$state" = running ] || [ "$state" = stopping ]; do
        sleep 0.2
        state=$(api "$URL/admin/api/load/runs/$id" | sed -E 's/.*"state":"([^"]+)".*/\1/')
    done
    api "$URL/admin/api/load/runs/$id" | sed -E 's/.*"requests":([0-9]+).*/\1/'
}
run_agent 2 >/dev/null

ROUNDS=${BENCH_ROUNDS:-2}
echo "== $ENDPOINT, concurrency $CONCURRENCY, ${SECONDS_PER_RUN}s per run, $ROUNDS alternating rounds: requests per CPU-second of the load tool =="
agent_requests=0 agent_ticks=0 hey_requests=0 hey_cpu=0
for _ in $(seq 1 "$ROUNDS"); do
    before=$(cpu_ticks "$AGENT_PID")
    n=$(run_agent "$SECONDS_PER_RUN")
    after=$(cpu_ticks "$AGENT_PID")
    agent_requests=$((agent_requests + n)) agent_ticks=$((agent_ticks + after - before))

    /usr/bin/time -f "%U %S" -o "$WORK/time" hey -z "${SECONDS_PER_RUN}s" -c "$CONCURRENCY" "$URL$ENDPOINT" >"$WORK/hey" 2>/dev/null
    n=$(awk '/\[[0-9]+\][[:space:]]+[0-9]+ responses/ { n += $2 } END { print n + 0 }' "$WORK/hey")
    hey_requests=$((hey_requests + n))
    hey_cpu=$(awk -v sum="$hey_cpu" '{ printf "%.2f", sum + $1 + $2 }' "$WORK/time")
done
agent_cpu=$(awk -v t="$agent_ticks" -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }')
total=$((SECONDS_PER_RUN * ROUNDS))

printf '%-6s %10s %10s %8s %18s\n' tool requests "req/s" "CPU s" "requests/CPU-s"
awk -v n="$agent_requests" -v c="$agent_cpu" -v s="$total" 'BEGIN { printf "%-6s %10d %10.0f %8.2f %18.0f\n", "agent", n, n / s, c, (c > 0 ? n / c : 0) }'
awk -v n="$hey_requests" -v c="$hey_cpu" -v s="$total" 'BEGIN { printf "%-6s %10d %10.0f %8.2f %18.0f\n", "hey", n, n / s, c, (c > 0 ? n / c : 0) }'
awk -v an="$agent_requests" -v ac="$agent_cpu" -v hn="$hey_requests" -v hc="$hey_cpu" \
    'BEGIN { if (ac > 0 && hc > 0 && hn > 0) printf "agent / hey, requests per CPU-second: %.2fx\n", (an / ac) / (hn / hc) }'
