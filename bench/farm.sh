#!/usr/bin/env bash
# A farm on one 2-core machine: N instances of the app behind Debian's HAProxy (round robin), one PostgreSQL,
# hey -c 200 on /api/orders (25 ms x 2 inside PostgreSQL) through the proxy; 1 instance against 3, Async and
# Sync. Prints req/s, latency, how HAProxy spread the requests, and who used the CPU during the run.
# Usage: bench/farm.sh [seconds] [concurrency]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/telemetry-app.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/farm.sh"
SECONDS_PER_RUN=${1:-20}; CONCURRENCY=${2:-200}
if ! command -v haproxy >/dev/null; then
    [ "$(id -u)" -eq 0 ] || bench_die "Debian 'haproxy' is required (sudo apt-get install haproxy)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy >/dev/null || bench_die "could not install haproxy"
fi
bench_setup
WORK=$(mktemp -d)
PROXY_PID=""
farm_cleanup() {
    [ -n "$PROXY_PID" ] && { kill -TERM "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null || true; }
    bench_cleanup
    rm -rf "$WORK"
}
trap farm_cleanup EXIT INT TERM

# Clock ticks used so far by a set of processes (their threads included).
cpu_ticks() { local total=0 pid; for pid in "$@"; do [ -r "/proc/$pid/stat" ] && total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done; echo "$total"; }
postgres_pids() {
    local pidfile="$ROOT/.livedash/pg/data/postmaster.pid"
    [ -z "${LIVEDASH_PG:-}" ] && [ -r "$pidfile" ] || return 0
    local master; master=$(head -n 1 "$pidfile"); echo "$master"; pgrep -P "$master" || true
}

run() { # mode instances
    local mode=$1 n=$2 port i
    port=$(free_port 5710)
    while ! { for i in $(seq 0 "$n"); do (exec 3<>"/dev/tcp/127.0.0.1/$((port + i))") 2>/dev/null && exit 1; done; true; }; do port=$((port + n + 1)); done
    local farm="bench-farm-$mode-$n-$$" app_pids=()
    # As ./livedash up --instances does: the instances share PostgreSQL's connections out.
    local pool="${BENCH_CONN%;};Maximum Pool Size=$((250 / n))"
    for i in $(seq 1 "$n"); do
        start_app $((port + i)) ConnectionStrings__Postgres="$pool" LiveDash__Mode="$mode" LiveDash__DbLatencyMs=25 LiveDash__Farm="$farm" LiveDash__Instance="app-$i"
        app_pids+=("${APP_PIDS[-1]}")
    done
    write_haproxy_config "$WORK/haproxy.cfg" "$port" "$n"   # the same proxy ./livedash up --instances runs
    haproxy -db -f "$WORK/haproxy.cfg" >/dev/null 2>&1 &
    PROXY_PID=$!
    local url="http://127.0.0.1:$port"
    for _ in $(seq 1 100); do curl -fsS -o /dev/null --max-time 1 "$url/api/ping" 2>/dev/null && break; sleep 0.1; done
    hey -z 5s -c "$CONCURRENCY" -t 30 "$url/api/orders?user=1" >/dev/null 2>&1 || true   # warm-up: JIT, connections, thread pools
    local hz pg_pids before_apps before_proxy before_pg start end
    hz=$(getconf CLK_TCK)
    mapfile -t pg_pids < <(postgres_pids)
    before_apps=$(cpu_ticks "${app_pids[@]}"); before_proxy=$(cpu_ticks "$PROXY_PID"); before_pg=$(cpu_ticks "${pg_pids[@]}")
    start=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o "$WORK/hey.time" hey -z "${SECONDS_PER_RUN}s" -c "$CONCURRENCY" -t 30 "$url/api/orders?user=1" > "$WORK/hey.out" 2>/dev/null
    end=$(date +%s.%N)
    mapfile -t pg_pids < <(postgres_pids)
    local apps_cpu proxy_cpu pg_cpu
    apps_cpu=$(( $(cpu_ticks "${app_pids[@]}") - before_apps )); proxy_cpu=$(( $(cpu_ticks "$PROXY_PID") - before_proxy ))
    pg_cpu=$(( $(cpu_ticks "${pg_pids[@]}") - before_pg ))
    local stats; stats=$(curl -fsS "$url/haproxy?stats;csv")
    python3 - "$mode" "$n" "$start" "$end" "$hz" "$apps_cpu" "$proxy_cpu" "$pg_cpu" "$(cat "$WORK/hey.time")" "$stats" "$WORK/hey.out" <<'PY'
import re, sys
mode, n, start, end, hz, apps, proxy, pg, hey_time, stats, hey_out = sys.argv[1:12]
out = open(hey_out).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
pct = lambda p: float(re.search(rf"{p}% in ([\d.]+) secs", out).group(1)) * 1000
codes = dict((c, int(k)) for c, k in re.findall(r"\[(\d+)\]\s+(\d+) responses", out))
errors = sum(k for c, k in codes.items() if c != "200") + len(re.findall(r"^\s+\[\d+\]\s+Get", out, re.M))
wall = float(end) - float(start); hz = float(hz)
cores = lambda ticks: float(ticks) / hz / wall
hey_cpu = sum(map(float, hey_time.split())) / wall
lines = [l.split(",") for l in stats.splitlines() if l.startswith("apps,app-")]
header = stats.splitlines()[0].lstrip("# ").split(",")
stot = header.index("stot")
spread = "/".join(l[stot] for l in lines)
print(f"{mode:<6} {n:>2} {rps:8.0f} {pct(50):8.0f} ms {pct(99):8.0f} ms {errors:6d}   {cores(apps):5.2f} {cores(pg):5.2f} {cores(proxy):5.2f} {hey_cpu:5.2f}   {spread}")
PY
    kill -TERM "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null || true; PROXY_PID=""
    for pid in "${app_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; done
}

printf 'hey -c %d for %d s on /api/orders through HAProxy (round robin), 25 ms x 2 round trips, %d cores\n' "$CONCURRENCY" "$SECONDS_PER_RUN" "$(nproc)"
printf 'cores used during the run: apps, PostgreSQL (private cluster only), HAProxy, hey; spread = requests per instance (HAProxy stot, warm-up included)\n\n'
printf '%-6s %2s %8s %11s %11s %6s   %5s %5s %5s %5s   %s\n' mode n "req/s" p50 p99 errors apps pg proxy hey spread
for mode in Async Sync; do
    for n in 1 3; do run "$mode" "$n"; done
done
