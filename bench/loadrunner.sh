#!/usr/bin/env bash
# Benchmarks the load runner against Debian's hey on the same app, same concurrency, same duration:
#   1. requests/s on the cheapest endpoint (/css/site.css: a static file, no database);
#   2. p50 / p99 on /api/orders (two database round trips, 2 x dbLatencyMs) at fixed concurrency;
#   3. Inject at 2,000/s for 30 s on /css/site.css: achieved arrival rate against the target.
# Usage: bench/loadrunner.sh [URL]   (no URL: starts './livedash up' on a free port and stops it after)
# Env: BENCH_SECONDS (default 10) per comparison run, BENCH_CONCURRENCY (default 50).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
CONCURRENCY=${BENCH_CONCURRENCY:-50}
RUNNER="$ROOT/loadcli/bin/Release/net10.0/LiveDash.LoadTests.Cli.dll"
WORK=$(mktemp -d)
APP_PID=""

say() { printf 'bench/loadrunner: %s\n' "$*" >&2; }
cleanup() {
    if [ -n "$APP_PID" ]; then kill -TERM "$APP_PID" 2>/dev/null || true; wait "$APP_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

command -v hey >/dev/null || { say "hey is missing (apt-get install hey)"; exit 1; }
dotnet build "$ROOT/loadcli/LiveDash.LoadTests.Cli.csproj" -c Release -v q -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }

URL=${1:-}
if [ -z "$URL" ]; then
    port=5390
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    say "starting the app on port $port"
    "$ROOT/livedash" up --port "$port" >"$WORK/app.log" 2>&1 &
    APP_PID=$!
    for _ in $(seq 1 600); do
        grep -q "LiveDash ready" "$WORK/app.log" 2>/dev/null && break
        kill -0 "$APP_PID" 2>/dev/null || { cat "$WORK/app.log" >&2; exit 1; }
        sleep 0.5
    done
    grep -q "LiveDash ready" "$WORK/app.log" || { say "the app did not start"; exit 1; }
    URL="http://127.0.0.1:$port"
fi
URL=${URL%/}

ours() { dotnet "$RUNNER" load url --target "$URL" --no-dashboard --report "$WORK/report-$RANDOM" "$@" 2>&1 | tee "$WORK/ours.log" >/dev/null; }
ours_field() { awk -v p="$1" 'index($0, p) == 1 { print; exit }' "$WORK/ours.log"; }
hey_rps() { awk '/Requests\/sec:/ {print $2}' "$WORK/hey.log"; }
hey_pct() { awk -v p="$1%" '$1 == p && $2 == "in" {printf "%.1f", $3 * 1000}' "$WORK/hey.log"; }
our_pct() { ours_field "latency ms" | grep -oE "$1 [0-9.]+" | awk '{print $2}'; }

# Both tools first get a short unmeasured run so the app's JIT and connection pools are warm.
hey -z 2s -c "$CONCURRENCY" "$URL/css/site.css" >/dev/null
hey -z 2s -c "$CONCURRENCY" "$URL/api/orders?user=7" >/dev/null

echo "== 1. /css/site.css (static file, no database), concurrency $CONCURRENCY, ${SECONDS_PER_RUN}s each =="
hey -z "${SECONDS_PER_RUN}s" -c "$CONCURRENCY" "$URL/css/site.css" >"$WORK/hey.log"
ours --path /css/site.css --users "$CONCURRENCY" --duration "$SECONDS_PER_RUN"
printf '%-10s requests/s %10s\n' "hey" "$(hey_rps)" "ours" "$(ours_field 'requests/s' | awk '{print $2}')"

echo "== 2. /api/orders?user=7 (two database round trips), concurrency $CONCURRENCY, ${SECONDS_PER_RUN}s each =="
hey -z "${SECONDS_PER_RUN}s" -c "$CONCURRENCY" "$URL/api/orders?user=7" >"$WORK/hey.log"
ours --path "/api/orders?user=7" --users "$CONCURRENCY" --duration "$SECONDS_PER_RUN"
printf '%-10s requests/s %8s  p50 %7s ms  p99 %7s ms\n' \
    "hey" "$(hey_rps)" "$(hey_pct 50)" "$(hey_pct 99)" \
    "ours" "$(ours_field 'requests/s' | awk '{print $2}')" "$(our_pct p50)" "$(our_pct p99)"

echo "== 3. Inject 2000/s for 30 s on /css/site.css =="
ours --path /css/site.css --rate 2000 --duration 30
requests=$(ours_field 'requests:' | awk '{print $2}')
seconds=$(ours_field 'requests:' | awk '{print $4}')
dropped=$(ours_field 'dropped:' | awk '{print $2}')
awk -v n="$requests" -v d="$dropped" 'BEGIN { printf "target 2000/s for 30 s = 60000 arrivals; sent %d (%.2f%% of target), dropped %d, achieved %.1f/s over the 30 s schedule\n", n, 100 * n / 60000, d, n / 30 }'
echo "ours, same run: $(ours_field 'latency ms (from intended')"
echo "ours, same run: $(ours_field 'latency ms (from actual')"
