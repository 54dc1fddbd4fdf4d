namespace LiveDash.AspNetCore;

/// <summary>Whether <c>AddLiveDash</c> wires the OpenTelemetry SDK.</summary>
public enum LiveDashOpenTelemetryMode
{
    /// <summary>Traces, metrics and logs over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; nothing registered otherwise.</summary>
    Auto,
    /// <summary>Never: the host wires OpenTelemetry itself (or not at all).</summary>
    Off,
}

/// <summary>
/// How LiveDash measures and where it serves its dashboard; set in <c>AddLiveDash(o => …)</c> or with
/// <c>services.Configure&lt;LiveDashOptions&gt;(…)</c>, also after <c>AddLiveDash</c> (except
/// <see cref="OpenTelemetry"/>, which <c>AddLiveDash</c> reads from its own delegate).
/// </summary>
public sealed class LiveDashOptions
{
    /// <summary>Where <c>MapLiveDash()</c> serves the dashboard, its assets and <c>api/summary</c> when given no path.</summary>
    public string Path { get; set; } = "/livedash";

    /// <summary>The SignalR hub the dashboard reads its ticks from; default <c>{path}/hub</c>.</summary>
    public string? HubPath { get; set; }

    /// <summary>Record request timelines and publish ticks; off removes every per-request cost.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Stamp arrival at the socket (end to end); off, latency counts from the first middleware.</summary>
    public bool MeasureArrival { get; set; } = true;

    /// <summary>
    /// Time on a thread per request and per endpoint (Linux): how long each request held a thread, and of that how long
    /// on a CPU, waiting for one and blocked; off removes its per-request cost (a timestamp per thread switch).
    /// </summary>
    public bool MeasureThreadTime { get; set; } = true;

    /// <summary>Endpoints shown by name in the threads-held figures (the busiest; the rest add up as "other"); 1 to 64, default 8.</summary>
    public int ThreadTimeRoutes { get; set; } = 8;

    /// <summary>
    /// Map <c>{path}/api/blocking/capture</c> and show "Find the blocking code" (default on): an N-second sample of every
    /// thread's stack, on demand only, that names where each endpoint blocks. It costs throughput while it runs, nothing otherwise.
    /// </summary>
    public bool BlockingCapture { get; set; } = true;

    /// <summary>Path prefixes whose requests are not measured (long-lived connections such as hubs); the LiveDash hub always is not.</summary>
    public IList<string> UnmeasuredPaths { get; } = [];

    /// <summary>
    /// Auto (default): with OTEL_EXPORTER_OTLP_ENDPOINT set, export traces (the server span from the socket, with a
    /// "waiting for a thread" child), metrics and logs over OTLP. The SDK's services are registered or not when
    /// <c>AddLiveDash</c> runs, so this one option is read from <c>AddLiveDash</c>'s delegate only (with
    /// <see cref="Enabled"/> as it sets it); a later <c>Configure&lt;LiveDashOptions&gt;</c> does not change it.
    /// </summary>
    public LiveDashOpenTelemetryMode OpenTelemetry { get; set; } = LiveDashOpenTelemetryMode.Auto;

    /// <summary>service.name when neither OTEL_SERVICE_NAME nor OTEL_RESOURCE_ATTRIBUTES names one; default the entry assembly's name.</summary>
    public string? ServiceName { get; set; }

    /// <summary>service.instance.id unless OTEL_RESOURCE_ATTRIBUTES gives one (each instance of a farm its own); default machine-pid.</summary>
    public string? ServiceInstanceId { get; set; }

    /// <summary>
    /// Serve the dashboard to requests that arrive on a Unix socket or a named pipe (they carry no client address).
    /// Off by default: a reverse proxy on the same host usually forwards the Internet's requests over such a socket.
    /// Turn it on when only trusted local users can reach the socket.
    /// </summary>
    public bool TrustUnixSocket { get; set; }

    internal string HubPathFor(string path) => HubPath ?? path.TrimEnd('/') + "/hub";

    /// <summary>Copies every setting onto <paramref name="target"/>: <c>AddLiveDash</c>'s delegate runs once, on a copy it reads too.</summary>
    internal void CopyTo(LiveDashOptions target)
    {
        target.Path = Path;
        target.HubPath = HubPath;
        target.Enabled = Enabled;
        target.MeasureArrival = MeasureArrival;
        foreach (var path in UnmeasuredPaths) target.UnmeasuredPaths.Add(path);
        target.OpenTelemetry = OpenTelemetry;
        target.ServiceName = ServiceName;
        target.ServiceInstanceId = ServiceInstanceId;
        target.TrustUnixSocket = TrustUnixSocket;
        target.MeasureThreadTime = MeasureThreadTime;
        target.ThreadTimeRoutes = ThreadTimeRoutes;
        target.BlockingCapture = BlockingCapture;
    }
}
