#!/usr/bin/env bash
# A soak of the whole farm: ./livedash up --instances 2 --otel on free 127.0.0.1 ports, its local load agent at
# SOAK_RATE/s (default 100) on SOAK_SCENARIO (default orders) through HAProxy for SECONDS, one live dashboard
# (reads the tick stream) and one stalled (subscribed, never reads). Every 10 s it records each process's resident
# memory, open descriptors and threads (both apps, the agent, HAProxy, the Aspire dashboard, PostgreSQL); each
# minute the run's requests, errors and p99, and the warning/error lines the logs gained. At the end: a table, the
# slopes after warm-up (the first 5 minutes, or the first fifth of a shorter run) and a verdict against
#   memory growth <= 10 MB per process per hour after warm-up; descriptors and threads flat;
#   errors 0 (or shed only); the run completing its duration with its agent connected; no warning line;
# written to reports/soak-<stamp>/ (or SOAK_OUT): processes.csv, minutes.csv, warnings.log, report.md,
# verdict.json and plot.png (gnuplot) or plot.svg. Exit status 0 when the verdict passes, 1 when it does not.
# Everything it started is stopped on exit and on Ctrl+C. Traffic goes to 127.0.0.1 only.
# Usage: bench/soak.sh [seconds=3600]   (./livedash bench soak [seconds]; LIVEDASH_PG is used as up uses it)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$here/.." && pwd)"
DURATION=${1:-3600}
RATE=${SOAK_RATE:-100}
SCENARIO=${SOAK_SCENARIO:-orders}
die() { echo "bench soak: error: $*" >&2; exit 2; }
[[ $DURATION =~ ^[0-9]+$ ]] && [ "$DURATION" -ge 60 ] && [ "$DURATION" -le 3600 ] || die "seconds must be a whole number from 60 to 3600 (one load run), got '$DURATION'"
[[ $RATE =~ ^[0-9]+$ ]] && [ "$RATE" -ge 1 ] || die "SOAK_RATE must be a whole number of requests per second, got '$RATE'"
WARMUP=$(( DURATION / 5 < 300 ? DURATION / 5 : 300 ))
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
OUT=${SOAK_OUT:-$ROOT/reports/soak-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
# The plot: gnuplot's PNG when it can be had (Debian's gnuplot-nox), else an SVG the recorder draws itself.
if ! command -v gnuplot >/dev/null && [ "$(id -u)" -eq 0 ] && [ -z "${SOAK_NO_INSTALL:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null 2>&1 || true
fi

source "$here/up-run.sh"
WATCH_PID="" LIVE_PID="" STALLED_PID="" PIDS=()
cleanup() {
    trap - EXIT INT TERM
    local pid
    for pid in "$WATCH_PID" "$LIVE_PID" "$STALLED_PID"; do [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true; done
    if [ -n "$WATCH_PID" ]; then wait "$WATCH_PID" 2>/dev/null || true; fi
    up_stop
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done   # only if up could not stop them
    wait 2>/dev/null || true
}
interrupted() { echo "bench soak: interrupted; the report covers what was recorded: $OUT" >&2; cleanup; exit 130; }
trap cleanup EXIT
trap interrupted INT TERM

# Three consecutive free ports (HAProxy, app-1, app-2); the Aspire dashboard takes free ones from PORT+10.
port=${SOAK_PORT:-5900}
while ! { for i in 0 1 2; do (exec 3<>"/dev/tcp/127.0.0.1/$((port + i))") 2>/dev/null && exit 1; done; true; }; do port=$((port + 3)); done
echo "soak: ./livedash up --instances 2 --otel on http://127.0.0.1:$port; $SCENARIO at $RATE/s through HAProxy for $DURATION s (warm-up $WARMUP s); report in $OUT"
up_start soak "$port" "$OUT/up.log" --instances 2 --otel
export SOAK_PASSWORD=$PASSWORD

# Who is who: up's children (the apps by their port, HAProxy, the agent, the Aspire dashboard; up_child), PostgreSQL by its port.
agents=""
for _ in $(seq 1 150); do agents=$(api "$URL/admin/api/load/agents" 2>/dev/null) && grep -q '"local"' <<< "$agents" && break; sleep 0.2; done
grep -q '"local"' <<< "$agents" || die "the local agent did not connect (log: .livedash/agent.log; the farm's agents: $agents)"
APP1=$(up_child "--urls http://127.0.0.1:$((port + 1))") APP2=$(up_child "--urls http://127.0.0.1:$((port + 2))")
PROXY=$(up_child "^haproxy ") AGENT=$(up_child "LoadTests.Cli.dll agent") ASPIRE=$(up_child "Aspire.Dashboard") \
    || die "could not find the farm's processes under ./livedash up (pid $UP_PID)"
PIDS=("$APP1" "$APP2" "$PROXY" "$AGENT" "$ASPIRE")
conn=${LIVEDASH_PG:-$("$ROOT/livedash" db url)}
pg_port=$(sed -nE 's/.*[Pp]ort=([0-9]+).*/\1/p' <<< "$conn"); pg_port=${pg_port:-5432}
POSTGRES=$(ss -ltnpH "sport = :$pg_port" 2>/dev/null | grep -oE 'pid=[0-9]+' | head -n 1 | cut -d= -f2 || true)
PG_LOG=${SOAK_PG_LOG:-}
[ -z "$PG_LOG" ] && [ -z "${LIVEDASH_PG:-}" ] && PG_LOG="$ROOT/.livedash/pg/server.log"

# The dashboards, through the proxy as a browser would come: one reads, one never does.
"$PY" "$here/soak-dashboard.py" live 127.0.0.1 "$port" "$((DURATION + 30))" "$OUT/live.status" 2>>"$OUT/dashboards.log" &
LIVE_PID=$!
"$PY" "$here/soak-dashboard.py" stalled 127.0.0.1 "$port" "$((DURATION + 30))" "$OUT/stalled.status" 2>>"$OUT/dashboards.log" &
STALLED_PID=$!

run=$(api -X POST -d "{\"scenario\":\"$SCENARIO\",\"rate\":$RATE,\"durationSeconds\":$DURATION,\"agents\":[\"local\"]}" "$URL/admin/api/load/runs") \
    || die "the load run did not start"
RUN_ID=$(sed -E 's/.*"id":"([^"]+)".*/\1/' <<< "$run")
"$PY" - "$OUT/meta.json" <<PY
import json, sys, time
processes = {"app-1": $APP1, "app-2": $APP2, "agent": $AGENT, "haproxy": $PROXY, "aspire": $ASPIRE}
if "$POSTGRES": processes["postgres"] = int("$POSTGRES")
logs = {"up": "$OUT/up.log", "agent": "$ROOT/.livedash/agent.log", "aspire": "$ROOT/.livedash/aspire-dashboard.log"}
if "$PG_LOG": logs["postgres"] = "$PG_LOG"
json.dump({"started": time.time(), "duration": $DURATION, "warmup": $WARMUP, "every": 10, "rate": $RATE, "scenario": "$SCENARIO",
           "url": "$URL", "run": "$RUN_ID", "instances": ["http://127.0.0.1:$((port + 1))", "http://127.0.0.1:$((port + 2))"],
           "processes": processes, "logs": logs, "live_status": "$OUT/live.status", "stalled_status": "$OUT/stalled.status"},
          open(sys.argv[1], "w"), indent=1)
PY
echo "soak: run $RUN_ID; processes: app-1 $APP1, app-2 $APP2, agent $AGENT, HAProxy $PROXY, Aspire $ASPIRE, PostgreSQL ${POSTGRES:-not found (not local?)}"
"$PY" "$here/soak-watch.py" watch "$OUT" &
WATCH_PID=$!
status=0
wait "$WATCH_PID" || status=$?
WATCH_PID=""
echo "soak: report in $OUT"
exit $status
