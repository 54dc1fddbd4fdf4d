using OpenTelemetry;

namespace LiveDash.AspNetCore;

/// <summary>Whether <c>AddLiveDash</c> wires the OpenTelemetry SDK.</summary>
public enum LiveDashOpenTelemetryMode
{
    /// <summary>Traces, metrics and logs over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; nothing registered otherwise.</summary>
    Auto,
    /// <summary>Never: the host wires OpenTelemetry itself (or not at all).</summary>
    Off,
}

/// <summary>How LiveDash measures and where it serves its dashboard; set in <c>AddLiveDash(o => …)</c>.</summary>
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
    /// Map <c>{path}/api/blocking/capture</c> and show "Find the blocking code" (default on): an N-second sample of every
    /// thread's stack, on demand only, that names where each endpoint blocks. It costs throughput while it runs, nothing otherwise.
    /// </summary>
    public bool BlockingCapture { get; set; } = true;

    /// <summary>Path prefixes whose requests are not measured (long-lived connections such as hubs); the LiveDash hub always is not.</summary>
    public IList<string> UnmeasuredPaths { get; } = [];

    /// <summary>Auto (default): with OTEL_EXPORTER_OTLP_ENDPOINT set, export traces (the server span from the socket, with a "waiting for a thread" child), metrics and logs over OTLP.</summary>
    public LiveDashOpenTelemetryMode OpenTelemetry { get; set; } = LiveDashOpenTelemetryMode.Auto;

    /// <summary>service.name when neither OTEL_SERVICE_NAME nor OTEL_RESOURCE_ATTRIBUTES names one; default the entry assembly's name.</summary>
    public string? ServiceName { get; set; }

    /// <summary>service.instance.id unless OTEL_RESOURCE_ATTRIBUTES gives one (each instance of a farm its own); default machine-pid.</summary>
    public string? ServiceInstanceId { get; set; }

    /// <summary>
    /// Adds the host's own instrumentation to the same OpenTelemetry builder, only when LiveDash turned export on,
    /// e.g. <c>otel => otel.WithTracing(t => t.AddNpgsql())</c>.
    /// </summary>
    public Action<IOpenTelemetryBuilder>? ConfigureOpenTelemetry { get; set; }

    internal string HubPathFor(string path) => HubPath ?? path.TrimEnd('/') + "/hub";
}
