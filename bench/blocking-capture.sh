#!/usr/bin/env bash
# What "Find the blocking code" costs: samples/MinimalApi under hey on /blocking, /sync-over-async, /lock (-c 20 each)
# and /async (-c 300, enough to keep both cores busy), total requests/s over three windows of N s: before any capture, during a capture
# (POST /livedash/api/blocking/capture?seconds=N), and after it (which must be back to before: no cost when none
# runs). The pool's minimum is raised so its growth under blocking does not pass for the capture's cost.
# LiveDash.AspNetCore/Blocking/BlockingCapture.cs (CostPercent) holds the "during" figure shown beside the button.
# Local only; about 40 s. Usage: bench/blocking-capture.sh [seconds per window, default 6]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N=${1:-6}
DLL="$ROOT/samples/MinimalApi/bin/Release/net10.0/MinimalApi.dll"
PID=""; WORK=$(mktemp -d)
command -v hey >/dev/null || { echo "bench: error: Debian 'hey' is required (apt-get install hey)" >&2; exit 1; }
dotnet build "$ROOT/samples/MinimalApi/MinimalApi.csproj" -c Release -v q -nologo >/dev/null || { echo "bench: error: build failed" >&2; exit 1; }
# shellcheck source=bench/hey-figures.sh
. "$ROOT/bench/hey-figures.sh"
cleanup() { [ -n "$PID" ] && stop_app "$PID"; rm -rf "$WORK"; return 0; }
trap cleanup EXIT INT TERM

port=${LIVEDASH_BENCH_PORT:-7260}
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
url="http://127.0.0.1:$port"
# 200 (hex, as the runtime reads it): threads enough for the 160 clients, so no window waits on the pool's growth.
DOTNET_ThreadPool_ForceMinWorkerThreads=200 ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
    dotnet "$DLL" --urls "$url" >/dev/null 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -fsS -o /dev/null "$url/livedash/api/summary?seconds=1" 2>/dev/null && break; sleep 0.2; done

# window NAME: N s of hey on the four paths at once; prints and returns the total req/s and errors.
window() {
    local name=$1 total=0 errors=0
    for p in blocking:20 sync-over-async:20 lock:20 async:300; do
        hey -z "${N}s" -c "${p#*:}" -t 30 "$url/${p%%:*}" > "$WORK/$name-${p%%:*}.txt" 2>&1 &
    done
    wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
    for p in blocking sync-over-async lock async; do
        hey_figures "$WORK/$name-$p.txt"
        total=$((total + RPS)); errors=$((errors + ERRORS))
        printf -v "RPS_${name}_${p//-/_}" '%s' "$RPS"
    done
    printf -v "TOTAL_$name" '%s' "$total"
    printf -v "ERRORS_$name" '%s' "$errors"
}

N_SAVED=$N; N=4; window warmup; N=$N_SAVED   # JIT, connections, the pool at its minimum
window before
curl -fsS -o "$WORK/capture.json" -X POST "$url/livedash/api/blocking/capture?seconds=$N" &
CURL=$!
sleep 0.3
window during
wait "$CURL"
window after

printf 'samples/MinimalApi, hey on /blocking, /sync-over-async, /lock (-c 20 each) and /async (-c 300, enough to keep both cores busy), %d s windows\n\n' "$N"
printf '%-7s %10s %10s %10s %10s %10s %7s\n' window "/blocking" "/s-o-a" "/lock" "/async" "total/s" errors
for w in before during after; do
    b="RPS_${w}_blocking"; s="RPS_${w}_sync_over_async"; l="RPS_${w}_lock"; a="RPS_${w}_async"; t="TOTAL_$w"; e="ERRORS_$w"
    printf '%-7s %10s %10s %10s %10s %10s %7s\n' "$w" "${!b}" "${!s}" "${!l}" "${!a}" "${!t}" "${!e}"
done
python3 - "$TOTAL_before" "$TOTAL_during" "$TOTAL_after" "$WORK/capture.json" <<'PY'
import json, sys
before, during, after = (float(x) for x in sys.argv[1:4])
report = json.load(open(sys.argv[4]))
print()
print(f"cost during a capture: {100 * (1 - during / before):.0f}% of throughput; after it: {100 * (1 - after / before):.0f}% (noise when near 0)")
print(f"the capture: {report['seconds']} s sampled, {report['tookMs'] / 1000:.1f} s in all, "
      f"{report.get('requestSamples', 0)} request-thread samples; error: {report.get('error')}; note: {report.get('note')}")
for e in report["endpoints"]:
    top = e["sites"][0]
    print(f"  {e['route']:<18} {top['appFrame']} -> {top['blockingFrame']} ({100 * top['share']:.0f}%)")
PY
