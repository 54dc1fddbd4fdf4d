#!/usr/bin/env bash
# The library in an app of its own: samples/MinimalApi under hey -c 100 for 10 s on /blocking (Thread.Sleep 50 ms)
# and /async (await Task.Delay 50 ms), a fresh process each; then the sample's own summary of the same seconds
# (GET /livedash/api/summary?seconds=10) beside hey's mean. The issue's bars: on /blocking, end to end within 25 %
# of hey's mean and waiting for a thread (before the app; the wait to send is printed beside it) above in app; on /async, end to end within 25 % of in app.
# Usage: bench/library-sample.sh [seconds] [concurrency]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_RUN=${1:-10}; CONCURRENCY=${2:-100}
DLL="$ROOT/samples/MinimalApi/bin/Release/net10.0/MinimalApi.dll"
PID=""

command -v hey >/dev/null || { echo "bench: error: Debian 'hey' is required (apt-get install hey)" >&2; exit 1; }
dotnet build "$ROOT/samples/MinimalApi/MinimalApi.csproj" -c Release -v q -nologo >/dev/null || { echo "bench: error: build failed" >&2; exit 1; }
cleanup() { if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true; fi; return 0; }
trap cleanup EXIT INT TERM

free_port() {
    local port=$1
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    echo "$port"
}

printf 'samples/MinimalApi, hey -c %d for %d s, a fresh process per path\n\n' "$CONCURRENCY" "$SECONDS_PER_RUN"
printf '%-9s %7s %10s %12s %10s %12s %12s %8s %8s  %s\n' path "req/s" "hey mean" "end-to-end" "in-app" "waiting" "to send" "e2e/hey" "e2e/app" bars
for path in blocking async; do
    port=$(free_port "${LIVEDASH_BENCH_PORT:-7240}")
    ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning dotnet "$DLL" --urls "http://127.0.0.1:$port" >/dev/null 2>&1 &
    PID=$!
    url="http://127.0.0.1:$port"
    for _ in $(seq 1 100); do curl -fsS -o /dev/null "$url/livedash/api/summary?seconds=1" 2>/dev/null && break; sleep 0.2; done
    out=$(hey -z "${SECONDS_PER_RUN}s" -c "$CONCURRENCY" -t 30 "$url/$path" 2>/dev/null)
    sleep 1.2   # the summary covers whole seconds that have ended
    summary=$(curl -fsS "$url/livedash/api/summary?seconds=$SECONDS_PER_RUN")
    read -r rps hey_mean < <(printf '%s\n' "$out" | awk '/Requests\/sec/ {r=$2} /Average:/ {m=$2*1000} END {printf "%.0f %.1f\n", r, m}')
    python3 - "$path" "$rps" "$hey_mean" "$summary" <<'PY'
import json, sys
path, rps, hey_mean, s = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
e2e, app, wait, send = s["endToEnd"]["meanMs"], s["inApp"]["meanMs"], s["waitingForThread"]["meanMs"], s["waitingToSend"]["meanMs"]
if path == "blocking":
    ok = abs(e2e - hey_mean) <= 0.25 * hey_mean and wait > app
    bars = f'{"holds" if ok else "MISSED"}: |e2e - hey| <= 25 % of hey, waiting > in app'
else:
    ok = abs(e2e - app) <= 0.25 * app
    bars = f'{"holds" if ok else "MISSED"}: |e2e - in app| <= 25 % of in app'
print(f'/{path:<8} {rps:7.0f} {hey_mean:7.1f} ms {e2e:9.1f} ms {app:7.1f} ms {wait:9.1f} ms {send:9.1f} ms {100 * e2e / hey_mean:7.0f}% {100 * e2e / app:7.0f}%  {bars}')
PY
    kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; PID=""
done
echo
echo "end-to-end = bytes received at the socket -> response sent; in-app = the first middleware -> response done"
