#!/usr/bin/env bash
# The MongoDB backend (the official MongoDB.Driver) on /api/orders: two round trips, each waited 25 ms by the
# server (sleep() in $where / $function), hey -c 100, Sync against Async, each in a fresh app process.
# The server is tests/LiveDash.Tests/Store/Mongo/mock_mongod.py, a MockupDB stand-in, NOT a MongoDB: it is one
# Python process (one core at most, the GIL), so its CPU share is printed; near 100 % it, not the app, is the limit.

set -euo pipefail
: "${LIVEDASH_ROOT:?run through ./livedash bench}"
DURATION=${BENCH_DURATION:-15}
CONCURRENCY=${BENCH_CONCURRENCY:-100}
LATENCY_MS=${BENCH_DB_LATENCY_MS:-25}
PORT=${BENCH_PORT:-5311}
MODES=${BENCH_MODES:-"Sync Async"}
URL="http://127.0.0.1:$PORT"
PYTHON=${LIVEDASH_PYTHON:-/usr/bin/python3}
source "$(dirname "${BASH_SOURCE[0]}")/hey-figures.sh"
out=$(mktemp -d)
mock_pid=
cleanup() { exec 3>&- 2>/dev/null || true; [ -n "$mock_pid" ] && wait "$mock_pid" 2>/dev/null; rm -rf "$out"; }
trap cleanup EXIT

# The mock serves until its stdin closes: fd 3 holds it open.
mkfifo "$out/mock-stdin"
"$PYTHON" "$LIVEDASH_ROOT/tests/LiveDash.Tests/Store/Mongo/mock_mongod.py" <"$out/mock-stdin" >"$out/mock-port" 2>"$out/mock.log" &
mock_pid=$!
exec 3>"$out/mock-stdin"
for _ in $(seq 1 100); do [ -s "$out/mock-port" ] && break; sleep 0.1; done
mock_port=$(head -1 "$out/mock-port")
[ -n "$mock_port" ] || { echo "mock_mongod.py did not start:" >&2; cat "$out/mock.log" >&2; exit 1; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() { # mode
    local mode=$1 i
    Database__Provider=MongoDB ConnectionStrings__Mongo="mongodb://127.0.0.1:$mock_port/livedash_bench" \
        Database__Seed__Users=2000 Database__Seed__Products=1000 Database__Seed__Orders=20000 \
        LiveDash__Mode="$mode" LiveDash__DbLatencyMs="$LATENCY_MS" LiveDash__AdminPassword=bench-only-password \
        LiveDash__StateDir="$out/state" Logging__LogLevel__Default=Warning \
        dotnet "$LIVEDASH_ROOT/web/bin/Release/net10.0/LiveDash.Web.dll" --urls "$URL" --contentRoot "$LIVEDASH_ROOT/web" >"$out/app-$mode.log" 2>&1 &
    local pid=$!
    for i in $(seq 1 600); do curl -fsS -o /dev/null "$URL/api/health" 2>/dev/null && break; sleep 0.1; done
    curl -fsS -o /dev/null "$URL/api/orders?user=1" || { echo "app did not start for $mode:" >&2; tail "$out/app-$mode.log" >&2; kill $pid; return 1; }
    local before after
    before=$(cpu_ticks "$mock_pid")
    hey -z "${DURATION}s" -c "$CONCURRENCY" -t 30 "$URL/api/orders?user=1" >"$out/hey-$mode.txt" 2>&1 || true
    after=$(cpu_ticks "$mock_pid")
    awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v d="$DURATION" 'BEGIN {printf "%.0f%%", 100 * t / hz / d}' >"$out/cpu-$mode"
    stop_app $pid
}

row() { # mode
    hey_figures "$out/hey-$1.txt"
    printf '%-16s %9s %9s %9s %7s %10s\n' "$1" "${RPS:-?}" "${P50:-—}" "${P99:-—}" "$ERRORS" "$(cat "$out/cpu-$1")"
}

limit=$(awk -v c="$CONCURRENCY" -v l="$LATENCY_MS" 'BEGIN {printf "%.0f", c / (2 * l / 1000)}')
printf 'MongoDB (MongoDB.Driver %s) /api/orders against mock_mongod.py (MockupDB, not a MongoDB), hey -c %d, %d s per mode,\n' \
    "$(sed -n 's/.*"MongoDB.Driver" Version="\([^"]*\)".*/\1/p' "$LIVEDASH_ROOT/Directory.Packages.props")" "$CONCURRENCY" "$DURATION"
printf "2 round trips x %d ms waited by the server; Little's-law limit %d / %.3f s = %d req/s\n\n" "$LATENCY_MS" "$CONCURRENCY" "$(awk -v l="$LATENCY_MS" 'BEGIN {print 2 * l / 1000}')" "$limit"
for mode in $MODES; do run "$mode"; done
printf '%-16s %9s %9s %9s %7s %10s\n' mode "req/s" "p50 ms" "p99 ms" errors "mock CPU"
for mode in $MODES; do row "$mode"; done
