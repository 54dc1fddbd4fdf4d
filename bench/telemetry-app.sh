# Sourced by the telemetry benchmarks: start LiveDash instances on 127.0.0.1 against the private
# PostgreSQL cluster (or LIVEDASH_PG), and stop everything they started on exit.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WEB_DLL="$ROOT/web/bin/Release/net10.0/LiveDash.Web.dll"
APP_PIDS=()
STARTED_DB=0

bench_die() { echo "bench: error: $*" >&2; exit 1; }

bench_setup() {
    command -v hey >/dev/null || bench_die "Debian 'hey' is required (apt-get install hey)"
    [ -f "$WEB_DLL" ] || dotnet build "$ROOT/web/LiveDash.Web.csproj" -c Release -v q -nologo >/dev/null || bench_die "build failed"
    if [ -n "${LIVEDASH_PG:-}" ]; then
        BENCH_CONN=$LIVEDASH_PG
    else
        if ! "$ROOT/livedash" db status >/dev/null 2>&1; then "$ROOT/livedash" db start >/dev/null 2>&1 && STARTED_DB=1; fi
        BENCH_CONN=$("$ROOT/livedash" db url)
    fi
    trap bench_cleanup EXIT INT TERM
}

bench_cleanup() {
    # A killed job's wait status (143) must not become the benchmark's exit status under set -e.
    for pid in "${APP_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
    if [ $STARTED_DB -eq 1 ]; then "$ROOT/livedash" db stop >/dev/null 2>&1 || true; fi
    return 0
}

free_port() {
    local port=$1
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    echo "$port"
}

# start_app PORT [ENV=VALUE ...]: starts an instance and waits until /api/ping answers.
start_app() {
    local port=$1; shift
    env ConnectionStrings__Postgres="$BENCH_CONN" LiveDash__StateDir="$ROOT/.livedash/bench-state" LIVEDASH_ADMIN_PASSWORD=bench \
        ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning "$@" \
        dotnet "$WEB_DLL" --urls "http://127.0.0.1:$port" --contentRoot "$ROOT/web" >/dev/null 2>&1 &
    APP_PIDS+=($!)
    for _ in $(seq 1 300); do
        curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/api/ping" 2>/dev/null && return 0
        sleep 0.1
    done
    bench_die "the app on port $port did not answer"
}

hey_rps() { # url duration concurrency -> requests/s
    hey -z "$2" -c "$3" "$1" 2>/dev/null | awk '/Requests\/sec/ {print $2}'
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }   # utime + stime, 1/100 s
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }   # every core's busy time (user, nice, system, irq, softirq, steal), 1/100 s

# alternate ROUNDS SECONDS CONCURRENCY NAME_A URL_A NAME_B URL_B [PID_A PID_B]: hey on A and B in turn, which goes
# first alternating so drift (thermal, other load) falls on both; prints each round, then sets MEDIAN_A, MEDIAN_B
# (requests/s), RATIO (100 * A / B of the medians) and PAIRED (the median of the rounds' own A/B ratios, which a
# slow round on this shared machine moves least). With the servers' PIDs it also sets CPU_A and CPU_B: the median
# server CPU time per request, in microseconds, and MACHINE_A and MACHINE_B: the whole machine's busy CPU time per
# request (the server, PostgreSQL, hey and whatever else runs), which is what throughput on a saturated machine follows.
alternate() {
    local rounds=$1 seconds=$2 concurrency=$3 name_a=$4 url_a=$5 name_b=$6 url_b=$7 pid_a=${8:-} pid_b=${9:-} r
    local a=() b=() ratios=() cpu_a=() cpu_b=() all_a=() all_b=()
    measure() { # url pid -> "rps cpu_us_per_request machine_us_per_request"
        local t0=0 m0 rps
        [ -n "$2" ] && t0=$(cpu_ticks "$2")
        m0=$(machine_ticks)
        rps=$(hey_rps "$1" "${seconds}s" "$concurrency")
        awk -v r="$rps" -v t=$(( $( [ -n "$2" ] && cpu_ticks "$2" || echo 0) - t0 )) -v m=$(( $(machine_ticks) - m0 )) -v s="$seconds" \
            'BEGIN {printf "%s %.1f %.1f", r, (r > 0 ? t * 10000 / (r * s) : 0), (r > 0 ? m * 10000 / (r * s) : 0)}'
    }
    for r in $(seq 1 "$rounds"); do
        local ma mb
        if [ $((r % 2)) -eq 1 ]; then ma=$(measure "$url_a" "$pid_a"); mb=$(measure "$url_b" "$pid_b")
        else mb=$(measure "$url_b" "$pid_b"); ma=$(measure "$url_a" "$pid_a"); fi
        local fa fb; read -r -a fa <<< "$ma"; read -r -a fb <<< "$mb"
        a+=("${fa[0]}"); b+=("${fb[0]}"); cpu_a+=("${fa[1]}"); cpu_b+=("${fb[1]}"); all_a+=("${fa[2]}"); all_b+=("${fb[2]}")
        ratios+=("$(awk -v x="${fa[0]}" -v y="${fb[0]}" 'BEGIN {printf "%.1f", (y > 0 ? 100 * x / y : 0)}')")
        if [ -n "$pid_a" ]; then
            printf 'round %d: %s %.0f req/s (%s us CPU/request, machine %s), %s %.0f req/s (%s us CPU/request, machine %s): %s%%\n' \
                "$r" "$name_a" "${fa[0]}" "${fa[1]}" "${fa[2]}" "$name_b" "${fb[0]}" "${fb[1]}" "${fb[2]}" "${ratios[-1]}"
        else
            printf 'round %d: %s %.0f req/s, %s %.0f req/s: %s%%\n' "$r" "$name_a" "${fa[0]}" "$name_b" "${fb[0]}" "${ratios[-1]}"
        fi
    done
    MEDIAN_A=$(median "${a[@]}"); MEDIAN_B=$(median "${b[@]}")
    RATIO=$(awk -v x="$MEDIAN_A" -v y="$MEDIAN_B" 'BEGIN {printf "%.1f", 100 * x / y}')
    PAIRED=$(median "${ratios[@]}")
    CPU_A=$(median "${cpu_a[@]}"); CPU_B=$(median "${cpu_b[@]}")
    MACHINE_A=$(median "${all_a[@]}"); MACHINE_B=$(median "${all_b[@]}")
}
