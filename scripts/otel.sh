# Sourced by ./livedash: `up --otel`, the standalone Aspire dashboard as the app's OpenTelemetry backend.

ASPIRE_VERSION=13.6.5   # pinned in scripts/aspire-dashboard/AspireDashboard.csproj
ASPIRE_DASHBOARD="$STATE/nuget/aspire.dashboard.sdk.linux-x64/$ASPIRE_VERSION/tools/Aspire.Dashboard"
OTEL_PID=""

# Restores the pinned Aspire.Dashboard.Sdk.linux-x64 from NuGet into .livedash/nuget (no global install).
restore_otel_dashboard() {
    [ -x "$ASPIRE_DASHBOARD" ] && return 0
    need_dotnet
    say "restoring the Aspire dashboard $ASPIRE_VERSION from NuGet into .livedash/nuget"
    mkdir -p "$STATE"
    dotnet restore "$ROOT/scripts/aspire-dashboard/AspireDashboard.csproj" --packages "$STATE/nuget" -v q >"$STATE/aspire-restore.log" 2>&1 \
        || { tail -n 20 "$STATE/aspire-restore.log" >&2; die "could not restore Aspire.Dashboard.Sdk.linux-x64 $ASPIRE_VERSION"; }
    chmod +x "$ASPIRE_DASHBOARD"
}

# Starts the dashboard on free 127.0.0.1 ports near the app's (unsecured: loopback only) and exports the standard OTEL_*
# variables, so the app and every farm instance started after this send it their traces, metrics and logs.
start_otel_dashboard() { # app port: the dashboard takes the first free ports from PORT+10 (a farm uses PORT+1..PORT+8)
    restore_otel_dashboard
    local ui otlp http i
    ui=$(free_port $(($1 + 10))); otlp=$(free_port $((ui + 1))); http=$(free_port $((otlp + 1)))
    ASPNETCORE_URLS="http://127.0.0.1:$ui" ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL="http://127.0.0.1:$otlp" \
        ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL="http://127.0.0.1:$http" ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true \
        DOTNET_CLI_TELEMETRY_OPTOUT=1 "$ASPIRE_DASHBOARD" >"$STATE/aspire-dashboard.log" 2>&1 &
    OTEL_PID=$!
    for i in $(seq 1 300); do
        kill -0 "$OTEL_PID" 2>/dev/null || { tail -n 20 "$STATE/aspire-dashboard.log" >&2; die "the Aspire dashboard stopped while starting (log: .livedash/aspire-dashboard.log)"; }
        curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$ui/api/telemetry/resources" && break
        sleep 0.1
    done
    export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$otlp" OTEL_EXPORTER_OTLP_PROTOCOL=grpc
    export OTEL_METRIC_EXPORT_INTERVAL=${OTEL_METRIC_EXPORT_INTERVAL:-5000}
    export OpenTelemetry__DashboardUrl="http://127.0.0.1:$ui"
    # A trace of every request costs this 2-core machine more than the load it measures (the export, and the dashboard
    # taking them in): a tenth of the requests' traces, whole, unless OTEL_TRACES_SAMPLER says otherwise.
    if [ -z "${OTEL_TRACES_SAMPLER:-}" ]; then export OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1; fi
    echo "OpenTelemetry: http://127.0.0.1:$ui (traces: $(trace_sampling))"
}

# "OTEL_TRACES_SAMPLER=parentbased_traceidratio, ratio 0.1", as the app applies it (an unset ratio is 1).
trace_sampling() {
    case "${OTEL_TRACES_SAMPLER:-parentbased_always_on}" in
        *traceidratio) echo "OTEL_TRACES_SAMPLER=$OTEL_TRACES_SAMPLER, ratio ${OTEL_TRACES_SAMPLER_ARG:-1}; set OTEL_TRACES_SAMPLER to change it" ;;
        *) echo "OTEL_TRACES_SAMPLER=${OTEL_TRACES_SAMPLER:-parentbased_always_on}" ;;
    esac
}

stop_otel_dashboard() {
    [ -n "$OTEL_PID" ] && stop_process "$OTEL_PID"
    OTEL_PID=""
}
