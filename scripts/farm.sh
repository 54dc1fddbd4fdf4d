# Sourced by ./livedash: `up --instances N`, N app instances behind Debian's HAProxy on one port
# (each its own OpenTelemetry service.instance.id, from LiveDash__Instance, when up --otel is given).

# HAProxy in front of app-1..app-N: round robin, health checks on /api/health, stats at /haproxy?stats.
# A browser is kept on one instance by a cookie (SignalR's negotiate and connect must meet the same one);
# clients without cookies (hey, the load runner) are spread request by request.
# It connects to the instances from an address of its own, the one address whose X-Forwarded-For they believe,
# so the sign-in throttle counts each real client, and a header forged straight to an instance counts for nothing.
FARM_PROXY_SOURCE=127.0.0.9
write_haproxy_config() { # file port instances
    local file=$1 port=$2 n=$3 i
    {
        echo "# Written by LiveDash for $n instances (./livedash up --instances, bench/farm.sh); removed when it stops."
        echo "global"
        echo "    maxconn 4096"
        echo "defaults"
        echo "    mode http"
        echo "    option forwardfor"
        echo "    timeout connect 2s"
        echo "    timeout client 120s"
        echo "    timeout server 120s"
        echo "    timeout tunnel 1h"
        echo "frontend livedash"
        echo "    bind 127.0.0.1:$port"
        echo "    stats enable"
        echo "    stats uri /haproxy?stats"
        echo "    stats refresh 2s"
        echo "    default_backend apps"
        echo "backend apps"
        echo "    balance roundrobin"
        echo "    option httpchk GET /api/health"
        echo "    http-check expect status 200"
        # A starved Sync instance answers its health check late, not never: give it 5 s before taking it out.
        echo "    timeout check 5s"
        echo "    default-server inter 1s fall 3 rise 2 source $FARM_PROXY_SOURCE"
        echo "    cookie LIVEDASH_APP insert indirect nocache httponly"
        for i in $(seq 1 "$n"); do echo "    server app-$i 127.0.0.1:$((port + i)) check cookie app-$i"; done
    } > "$file"
}

up_farm() { # port instances otel(0|1)
    local port=$1 n=$2 otel=${3:-0} p i
    for p in $(seq "$port" $((port + n))); do
        timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" 2>/dev/null && die "port $p is already in use on 127.0.0.1 (--instances $n needs $port..$((port + n))); choose another with --port N"
    done
    need_debs curl haproxy
    local started_db=0 conn
    if [ -n "${LIVEDASH_PG:-}" ]; then
        conn=$LIVEDASH_PG
    else
        cluster_init pg
        if cluster_start; then started_db=1; fi
        conn=$PG_CONN
    fi
    # Every instance has its own pool: share PostgreSQL's 300 connections out (250 for one instance) instead of exhausting them.
    case ";${conn,,}" in *";maximum pool size="*|*";maxpoolsize="*) ;; *) conn="${conn%;};Maximum Pool Size=$((250 / n))" ;; esac
    setup_assets
    build "$ROOT/web/LiveDash.Web.csproj"
    secure_state
    if [ "$otel" -eq 1 ]; then start_otel_dashboard "$port"; fi
    local url="http://127.0.0.1:$port" cfg="$STATE/haproxy-$port.cfg" proxy_pid="" app_pids=()
    AGENT_PID=""
    stop_farm() {
        trap - INT TERM EXIT
        stop_agent
        [ -n "$proxy_pid" ] && stop_process "$proxy_pid"
        local pid
        for pid in "${app_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
        for pid in "${app_pids[@]}"; do stop_process "$pid"; done
        stop_otel_dashboard
        rm -f "$cfg"
        if [ $started_db -eq 1 ]; then cluster_stop; fi
    }
    trap 'stop_farm; exit 0' INT TERM
    trap stop_farm EXIT
    start_instance() { # i
        local i=$1
        ConnectionStrings__Postgres="$conn" LiveDash__StateDir="$STATE" ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Production}" \
            LiveDash__Farm="${LIVEDASH_FARM:-default}" LiveDash__Instance="app-$i" LiveDash__InstanceUrl="http://127.0.0.1:$((port + i))" \
            LiveDash__ProxyStatsUrl="$url/haproxy?stats" LiveDash__TrustedProxy="$FARM_PROXY_SOURCE" \
            "$WEB_APP" --urls "http://127.0.0.1:$((port + i))" --contentRoot "$ROOT/web" &
        app_pids+=($!)
    }
    # The first instance alone: it seeds the database and creates the admin password and keys the others share.
    start_instance 1
    wait_ready "http://127.0.0.1:$((port + 1))" "${app_pids[0]}" || die "app-1 did not answer at http://127.0.0.1:$((port + 1)) (see the messages above)"
    for i in $(seq 2 "$n"); do start_instance "$i"; done
    for i in $(seq 2 "$n"); do
        wait_ready "http://127.0.0.1:$((port + i))" "${app_pids[$((i - 1))]}" || die "app-$i did not answer at http://127.0.0.1:$((port + i)) (see the messages above)"
    done
    write_haproxy_config "$cfg" "$port" "$n"
    haproxy -c -q -f "$cfg" || die "HAProxy rejected its configuration ($cfg)"
    haproxy -db -f "$cfg" &
    proxy_pid=$!
    wait_ready "$url" "$proxy_pid" || die "HAProxy did not answer at $url"
    say "$n instances (app-1..app-$n on ports $((port + 1))..$((port + n))) behind HAProxy; its stats: $url/haproxy?stats"
    echo "LiveDash ready: $url"
    start_agent "$url"
    wait "$proxy_pid" || true
}
