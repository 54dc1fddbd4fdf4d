#!/usr/bin/env bash
# What OpenTelemetry costs per request, measured as a user runs it: ./livedash up (one instance, Async) three times,
#   off:      without --otel;
#   sampled:  --otel as it starts by default (traces of a tenth of the requests; metrics and logs whole);
#   every:    --otel with OTEL_TRACES_SAMPLER=parentbased_always_on (a trace of every request);
# each under the same open load (hey at OTEL_COST_RATE/s, default 300, on /api/orders for SECONDS, default 30, after
# 10 s of warm-up). Prints per request the app's CPU, the Aspire dashboard's CPU (it takes in what is exported) and
# the whole machine's, and hey's p50/p99. Traffic goes to 127.0.0.1 only.
# Usage: bench/otel-cost.sh [seconds=30]   (./livedash bench otel-cost [seconds])
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$here/.." && pwd)"
DURATION=${1:-30}; RATE=${OTEL_COST_RATE:-300}
die() { echo "bench otel-cost: error: $*" >&2; exit 2; }
[[ $RATE =~ ^[0-9]+$ ]] && [ "$RATE" -ge 20 ] && [ "$RATE" -le 2000 ] || die "OTEL_COST_RATE must be a whole number from 20 to 2000, got '$RATE'"
[[ $DURATION =~ ^[0-9]+$ ]] && [ "$DURATION" -ge 10 ] && [ "$DURATION" -le 300 ] || die "seconds must be a whole number from 10 to 300, got '$DURATION'"
OUT=$(mktemp -d "${TMPDIR:-/tmp}/livedash-otel-cost.XXXXXX")
source "$here/up-run.sh"
cleanup() { trap - EXIT INT TERM; up_stop; wait 2>/dev/null || true; rm -rf "$OUT"; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

CLIENTS=20; PER_CLIENT=$((RATE / CLIENTS))   # hey -q is per client
ticks() { [ -n "$1" ] && awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }   # 1/100 s
machine() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }

port=${OTEL_COST_PORT:-5980}
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
rows=()
measure() { # name, then up's options
    local name=$1; shift
    up_start otel-cost "$port" "$OUT/up-$name.log" "$@"
    local app aspire=""
    app=$(up_child "LiveDash.Web") || die "could not find the app under ./livedash up (log: $OUT/up-$name.log)"
    [ "$name" != off ] && { aspire=$(up_child "Aspire.Dashboard") || die "could not find the Aspire dashboard under ./livedash up --otel"; }
    api -X PUT -d '{"mode":"Async"}' "$URL/admin/api/settings" >/dev/null || die "could not set Async"
    local url="$URL/api/orders?user=1"
    hey -z 10s -c "$CLIENTS" -q "$PER_CLIENT" "$url" >/dev/null 2>&1   # JIT, pool, the exporters' first batches
    local a0 s0 m0 out
    a0=$(ticks "$app"); s0=$(ticks "$aspire"); m0=$(machine)
    out=$(hey -z "${DURATION}s" -c "$CLIENTS" -q "$PER_CLIENT" "$url" 2>/dev/null)
    local a1 s1 m1
    a1=$(ticks "$app"); s1=$(ticks "$aspire"); m1=$(machine)
    local requests p50 p99 errors
    requests=$(awk '/\[200\]/ {print $2}' <<< "$out"); requests=${requests:-0}
    errors=$(awk '/\[[0-9]+\]/ && !/\[200\]/ {n += $2} END {print n + 0}' <<< "$out")
    p50=$(awk '/ 50% in / {printf "%.1f", $3 * 1000}' <<< "$out"); p99=$(awk '/ 99% in / {printf "%.1f", $3 * 1000}' <<< "$out")
    [ "$requests" -gt 0 ] || die "no request answered 200 in the '$name' run (log: $OUT/up-$name.log)"
    rows+=("$(awk -v n="$name" -v r="$requests" -v e="$errors" -v a=$((a1 - a0)) -v s=$((s1 - s0)) -v m=$((m1 - m0)) -v p50="$p50" -v p99="$p99" \
        'BEGIN {printf "| %s | %d | %d | %.0f | %.0f | %.0f | %s / %s |", n, r, e, a * 10000 / r, s * 10000 / r, m * 10000 / r, p50, p99}')")
    echo "  ${rows[-1]}"
    up_stop; UP_PID=""
}

echo "otel-cost: ./livedash up (one instance, Async) on http://127.0.0.1:$port, hey at $RATE/s on /api/orders for $DURATION s each"
measure off
measure sampled --otel
OTEL_TRACES_SAMPLER=parentbased_always_on measure every --otel
echo
echo "| OpenTelemetry | requests | errors | app CPU us/request | Aspire CPU us/request | machine CPU us/request | p50 / p99 ms |"
echo "|---|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
