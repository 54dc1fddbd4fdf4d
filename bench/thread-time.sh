#!/usr/bin/env bash
# Time on a thread: (1) the sample's five endpoints under hey -c 20 each, all at once, for 15 s, and the summary's
# endpoints; (2) what measuring it costs: the store's Async /api/orders (hey -c 120, 25 ms x 2) with
# Telemetry__MeasureThreadTime on and off, alternating rounds, throughput and server CPU per request.
# Usage: bench/thread-time.sh [rounds] [seconds] [concurrency]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/telemetry-app.sh"
ROUNDS=${1:-6}; SECONDS_PER_RUN=${2:-5}; CONCURRENCY=${3:-120}
SAMPLE_DLL="$ROOT/samples/MinimalApi/bin/Release/net10.0/MinimalApi.dll"

bench_setup
dotnet build "$ROOT/samples/MinimalApi/MinimalApi.csproj" -c Release -v q -nologo >/dev/null || bench_die "could not build the sample"
sample_port=$(free_port 5391)
dotnet "$SAMPLE_DLL" --urls "http://127.0.0.1:$sample_port" >/dev/null 2>&1 &
APP_PIDS+=($!); sample_pid=$!
for _ in $(seq 1 300); do curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$sample_port/livedash/api/summary" 2>/dev/null && break; sleep 0.1; done
for path in blocking async sync-over-async cpu lock; do hey -z 15s -c 20 "http://127.0.0.1:$sample_port/$path" >/dev/null 2>&1 & done
wait_for_hey() { while pgrep -f "hey -z 15s -c 20 http://127.0.0.1:$sample_port" >/dev/null; do sleep 0.5; done; }
sleep 14.5
echo "The sample, 20 clients on each endpoint at once (summary of the last 10 s):"
curl -fsS "http://127.0.0.1:$sample_port/livedash/api/summary?seconds=10" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("  %-18s %7s %9s %8s %9s %8s %9s %7s  %s" % ("route", "req/s", "onThread", "onCpu", "runQueue", "blocked", "awaiting", "held", "blocked by"))
for e in s["endpoints"]:
    by = ", ".join("%s %.0f%%" % (k, 100 * v) for k, v in e["blockedBy"].items())
    print("  %-18s %7.1f %9.1f %8.1f %9.1f %8.1f %9.1f %7.2f  %s" % (e["route"], e["rps"], e["onThreadMs"], e["onCpuMs"], e["runQueueMs"], e["blockedMs"], e["awaitingMs"], e["threadsHeld"], by))
print("  threads held in all: %.1f; the pool peaked at %d threads" % (sum(e["threadsHeld"] for e in s["endpoints"]), s["peakThreads"]))'
wait_for_hey
kill -TERM "$sample_pid" 2>/dev/null || true

on_port=$(free_port 5381); start_app "$on_port" LiveDash__Mode=Async LiveDash__DbLatencyMs=25
on_pid=${APP_PIDS[-1]}
off_port=$(free_port $((on_port + 1))); start_app "$off_port" LiveDash__Mode=Async LiveDash__DbLatencyMs=25 Telemetry__MeasureThreadTime=false
off_pid=${APP_PIDS[-1]}
on_url="http://127.0.0.1:$on_port/api/orders?user=1"; off_url="http://127.0.0.1:$off_port/api/orders?user=1"
hey_rps "$on_url" 10s "$CONCURRENCY" >/dev/null; hey_rps "$off_url" 10s "$CONCURRENCY" >/dev/null   # JIT, pools, plans warm
alternate "$ROUNDS" "$SECONDS_PER_RUN" "$CONCURRENCY" measured "$on_url" unmeasured "$off_url" "$on_pid" "$off_pid"
echo "Async /api/orders (hey -c $CONCURRENCY, 25 ms x 2, ${ROUNDS}x${SECONDS_PER_RUN}s each), time on a thread measured or not:"
printf '  measured:   %.0f req/s (median), %s us CPU per request\n  unmeasured: %.0f req/s (median), %s us CPU per request\n' "$MEDIAN_A" "$CPU_A" "$MEDIAN_B" "$CPU_B"
printf '  measured/unmeasured: %s%% of the medians, %s%% the median round\n' "$RATIO" "$PAIRED"
