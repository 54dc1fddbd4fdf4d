#!/usr/bin/env bash
# Overload without collapse, measured as a user would: ./livedash up --otel (one instance) in Async, its local load
# agent at OVERLOAD_RATE/s (default 1000) on orders for SECONDS (more than this machine serves), and every 5 s:
#   PostgreSQL backends younger than 10 s and started since the load began (a connection storm forks many: bound 20),
#   curl /api/products/1 (bound: 200 or 503 within 1.5 s),
# then the log's "unreachable" lines (bound 0) and the run's requests and errors against the agent's own end line.
# Prints each sample and a verdict; exit 0 when every bound holds. Traffic goes to 127.0.0.1 only.
# Usage: bench/overload.sh [seconds=60]   (./livedash bench overload [seconds]; OVERLOAD_RATE=N for another rate)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$here/.." && pwd)"
DURATION=${1:-60}; RATE=${OVERLOAD_RATE:-1000}
die() { echo "bench overload: error: $*" >&2; exit 2; }
[[ $RATE =~ ^[0-9]+$ ]] && [ "$RATE" -ge 1 ] && [ "$RATE" -le 5000 ] || die "OVERLOAD_RATE must be a whole number from 1 to 5000, got '$RATE'"
[[ $DURATION =~ ^[0-9]+$ ]] && [ "$DURATION" -ge 10 ] && [ "$DURATION" -le 600 ] || die "seconds must be a whole number from 10 to 600, got '$DURATION'"
OUT=$(mktemp -d "${TMPDIR:-/tmp}/livedash-overload.XXXXXX")
source "$here/up-run.sh"
cleanup() { trap - EXIT INT TERM; up_stop; wait 2>/dev/null || true; rm -rf "$OUT"; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

port=${OVERLOAD_PORT:-5960}
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
up_start overload "$port" "$OUT/up.log" --otel
for _ in $(seq 1 150); do api "$URL/admin/api/load/agents" 2>/dev/null | grep -q '"local"' && break; sleep 0.2; done
api -X PUT -d '{"mode":"Async"}' "$URL/admin/api/settings" >/dev/null || die "could not set Async"

# PostgreSQL's own view of its backends, through psql with the same connection the app has.
conn=${LIVEDASH_PG:-$("$ROOT/livedash" db url)}
field() { sed -nE "s/(^|.*;)$1=([^;]*).*/\\2/Ip" <<< "$conn"; }
sql() {
    PGHOST=$(field Host) PGPORT=$(field Port) PGUSER=$(field Username) PGPASSWORD=$(field Password) PGDATABASE=$(field Database) \
        psql -XAtq -c "$1" 2>/dev/null || echo "?"
}
# Backends forked in the last 10 s since the load began: the pool warmed at start-up is not the load's doing.
young() { sql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND backend_start > greatest(now() - interval '10 seconds', '$LOAD_START'::timestamptz)"; }

LOAD_START=$(sql "SELECT now()")
run=$(api -X POST -d "{\"scenario\":\"orders\",\"rate\":$RATE,\"durationSeconds\":$DURATION,\"warmUpSeconds\":0,\"agents\":[\"local\"]}" "$URL/admin/api/load/runs") \
    || die "the load run did not start"
RUN_ID=$(sed -E 's/.*"id":"([^"]+)".*/\1/' <<< "$run")
echo "overload: $URL, Async, the local agent at $RATE/s on orders for $DURATION s (run $RUN_ID)"
max_young=0 slow=0 samples=0 shed=0
for t in $(seq 5 5 "$DURATION"); do
    sleep 5
    y=$(young)
    probe=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5 "$URL/api/products/1" || true)
    code=${probe% *}; took=${probe#* }
    ok=$(awk -v c="$code" -v s="$took" 'BEGIN { print ((c == 200 || c == 503) && s <= 1.5) ? "ok" : "SLOW" }')
    [ "$ok" = ok ] || slow=$((slow + 1))
    [[ $y =~ ^[0-9]+$ ]] && [ "$y" -gt "$max_young" ] && max_young=$y
    samples=$((samples + 1))
    shed5=$(api "$URL/admin/api/telemetry/summary?seconds=5" 2>/dev/null | sed -nE 's/.*"shed":([0-9]+).*/\1/p' || true)
    shed=$((shed + ${shed5:-0}))
    printf '  %3d s: %s backends younger than 10 s; /api/products/1 %s in %.0f ms %s; %s shed in 5 s\n' "$t" "$y" "$code" "$(awk -v s="$took" 'BEGIN{print s*1000}')" "$ok" "${shed5:-?}"
done
state=""
for _ in $(seq 1 60); do
    body=$(api "$URL/admin/api/load/runs/$RUN_ID" 2>/dev/null || true)
    state=$(sed -nE 's/.*"state":"([^"]+)".*/\1/p' <<< "$body")
    [ "$state" = running ] || break
    sleep 1
done
json_field() { /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$body" "$1" 2>/dev/null || true; }
requests=$(json_field requests); errors=$(json_field errors)
sleep 1
agent_line=$(grep -E "run $RUN_ID ended" "$ROOT/.livedash/agent.log" | tail -n 1 || true)
agent_requests=$(sed -nE 's/.*: ([0-9]+) requests,.*/\1/p' <<< "$agent_line")
agent_errors=$(sed -nE 's/.*, ([0-9]+) errors.*/\1/p' <<< "$agent_line")
unreachable=$(grep -ci 'unreachable' "$OUT/up.log" || true)

verdict=0
check() { if [ "$1" = ok ]; then echo "- ok   $2"; else echo "- FAIL $2"; verdict=1; fi; }
echo "Verdict:"
check "$([ "$unreachable" -eq 0 ] && echo ok)" "no 'unreachable' line in the log ($unreachable)"
check "$([ "$max_young" -le 20 ] && echo ok)" "at most 20 backends younger than 10 s at every 5 s sample (most: $max_young)"
check "$([ "$slow" -eq 0 ] && echo ok)" "/api/products/1 answered 200 or 503 within 1.5 s every 5 s ($((samples - slow)) of $samples)"
check "$([ -n "$agent_requests" ] && [ "$requests" = "$agent_requests" ] && [ "$errors" = "$agent_errors" ] && echo ok)" \
    "the run's requests and errors equal the agent's end line: run $state, ${requests:-?} requests / ${errors:-?} errors; agent ${agent_requests:-?} / ${agent_errors:-?} (shed by the app, summed over the 5 s samples: $shed)"
exit $verdict
