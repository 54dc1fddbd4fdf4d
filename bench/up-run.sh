# Sourced by the benchmarks that run ./livedash up as a user would (soak.sh, overload.sh); needs ROOT and die().
# up_start NAME PORT LOG [up options...]: starts `./livedash up --port PORT [options]` as a farm of its own (settings and
# dashboards not shared with another farm on the same database), waits until it says "LiveDash ready", and sets
# UP_PID, URL, PASSWORD and api() (curl to the admin API as admin). up_child PATTERN finds one of the processes it
# started by its command line. up_stop stops it and all it started.
UP_PID=""
up_start() {
    local name=$1 port=$2 log=$3
    shift 3
    URL="http://127.0.0.1:$port"
    LIVEDASH_FARM="$name-$$" "$ROOT/livedash" up --port "$port" "$@" > "$log" 2>&1 &
    UP_PID=$!
    for _ in $(seq 1 3000); do
        grep -q '^LiveDash ready:' "$log" 2>/dev/null && break
        kill -0 "$UP_PID" 2>/dev/null || { tail -n 20 "$log" >&2; die "./livedash up stopped while starting (log: $log)"; }
        sleep 0.2
    done
    grep -q '^LiveDash ready:' "$log" || die "./livedash up was not ready within 10 minutes (log: $log)"
    PASSWORD=${LIVEDASH_ADMIN_PASSWORD:-$(cat "$ROOT/.livedash/admin-password")}
}

api() { curl -fsS --max-time 10 -u "admin:$PASSWORD" -H 'Content-Type: application/json' "$@"; }

# up stops the agent, HAProxy, the apps, the Aspire dashboard and a database it started; 90 s at most, then KILL.
up_stop() {
    if [ -n "$UP_PID" ] && kill -0 "$UP_PID" 2>/dev/null; then
        kill -TERM "$UP_PID" 2>/dev/null || true
        for _ in $(seq 1 900); do kill -0 "$UP_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$UP_PID" 2>/dev/null || true
    fi
}

up_child() { # pattern -> the pid of up's child whose command line matches
    local pid line
    # Read whole, then matched: under pipefail a grep -q that stops reading early can fail the pipe (SIGPIPE) though it matched.
    for pid in $(pgrep -P "$UP_PID"); do
        line=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) || continue
        grep -qE -- "$1" <<< "$line" && { echo "$pid"; return 0; }
    done
    return 1
}
