using System.Text.Json.Serialization;

namespace LiveDash.Telemetry;

/// <summary>
/// What every dashboard gets four times a second. Short JSON names keep a tick with a full waterfall
/// well under 32 KB; times are milliseconds unless named otherwise.
/// </summary>
public sealed record Tick
{
    [JsonPropertyName("n")] public long Seq { get; init; }
    [JsonPropertyName("t")] public long UnixMs { get; init; }
    [JsonPropertyName("dt")] public double IntervalMs { get; init; }
    /// <summary>The host's current request label: an index into <see cref="LiveDash.AspNetCore.ILiveDashLabels.Names"/> (0 when the host has none).</summary>
    [JsonPropertyName("m")] public int Mode { get; init; }
    [JsonPropertyName("ok")] public long Ok { get; init; }
    [JsonPropertyName("er")] public long Errors { get; init; }
    [JsonPropertyName("rps")] public double Rps { get; init; }
    [JsonPropertyName("if")] public long InFlight { get; init; }
    /// <summary>End-to-end latency (bytes received at the socket → response done) of the requests completed in this tick: p50, p90, p95, p99, max.</summary>
    [JsonPropertyName("p")] public double[] Percentiles { get; init; } = [];
    /// <summary>In-app latency (our first middleware → response done) of the same requests: p50, p90, p95, p99, max.</summary>
    [JsonPropertyName("pa")] public double[] InAppPercentiles { get; init; } = [];
    /// <summary>Waiting for a thread (bytes received → our first middleware): mean, p99; measured requests only.</summary>
    [JsonPropertyName("wt")] public double[] WaitForThread { get; init; } = [];
    /// <summary>Waiting for a thread to send the response (handed over → last byte sent): mean, p99; measured requests only.</summary>
    [JsonPropertyName("ws")] public double[] WaitToSend { get; init; } = [];
    /// <summary>Share (0..1) of this tick's requests whose arrival was measured at the socket; the rest count from our first middleware.</summary>
    [JsonPropertyName("ms")] public double MeasuredShare { get; init; }
    [JsonPropertyName("th")] public int Threads { get; init; }
    [JsonPropertyName("q")] public long QueuedWorkItems { get; init; }
    [JsonPropertyName("cw")] public double CompletedWorkItemsPerSecond { get; init; }
    [JsonPropertyName("mn")] public int MinWorkerThreads { get; init; }
    [JsonPropertyName("gc")] public double HeapMb { get; init; }
    [JsonPropertyName("cpu")] public double CpuPercent { get; init; }
    /// <summary>End-to-end counts per latency bin; the bin edges are <see cref="TelemetryAggregator.HistogramEdgesMs"/>.</summary>
    [JsonPropertyName("h")] public int[] Histogram { get; init; } = [];
    [JsonPropertyName("w")] public WaterfallEntry[]? Waterfall { get; init; }
    /// <summary>Names of the database round trips the waterfall entries refer to by index.</summary>
    [JsonPropertyName("lb")] public string[]? RoundTripLabels { get; init; }
    [JsonPropertyName("ch")] public ChangeMessage[]? Changes { get; init; }
    [JsonPropertyName("cl")] public ClientTick[]? ClientTicks { get; init; }
    [JsonPropertyName("pm")] public ModeSummary[] Modes { get; init; } = [];
    /// <summary>Mean server latency of this tick's requests (ms), for Little's law: in flight = req/s × mean latency.</summary>
    [JsonPropertyName("avg")] public double MeanMs { get; init; }
    /// <summary>Time on a thread per endpoint over this tick's requests (see <see cref="LiveDash.AspNetCore.EndpointTick"/>); null when not measured or none completed.</summary>
    [JsonPropertyName("eps"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public LiveDash.AspNetCore.EndpointTick[]? Endpoints { get; init; }
    /// <summary>
    /// The host's own figures (see <see cref="LiveDash.AspNetCore.ILiveDashGauges"/>), written at the tick's top level
    /// under their keys; null when the host adds none.
    /// </summary>
    [JsonExtensionData] public Dictionary<string, object>? Extra { get; init; }
}

/// <summary>
/// One sampled request: start relative to the tick's time, then queued / total time and the database
/// round trips as [start, end, start, end, ...] relative to the request's arrival at our first middleware,
/// each named by an index into the tick's round-trip labels. Before that arrival: the wait for a thread
/// (bytes received → arrival) and, when the client said when it sent, the time before the server.
/// </summary>
public sealed record WaterfallEntry
{
    [JsonIgnore] public long ArrivedTimestamp { get; init; }
    [JsonPropertyName("s")] public double Start { get; init; }
    [JsonPropertyName("wt")] public double WaitForThread { get; init; }
    [JsonPropertyName("b"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? BeforeServer { get; init; }
    [JsonPropertyName("q")] public double Queued { get; init; }
    [JsonPropertyName("d")] public double Total { get; init; }
    [JsonPropertyName("c")] public int Status { get; init; }
    [JsonPropertyName("m")] public int Mode { get; init; }
    [JsonPropertyName("r")] public string Route { get; init; } = "";
    [JsonPropertyName("db")] public double[] Db { get; init; } = [];
    [JsonPropertyName("l")] public int[] Labels { get; init; } = [];
    /// <summary>Of the time in the app, on a thread (the rest awaited holding none); of that on a CPU or waiting for one, and blocked. Null when not measured.</summary>
    [JsonPropertyName("ot"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? OnThread { get; init; }
    [JsonPropertyName("oc"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? OnCpu { get; init; }
    [JsonPropertyName("bl"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? Blocked { get; init; }
    [JsonIgnore] public string[] LabelNames { get; init; } = [];
}

public sealed record ChangeMessage(
    [property: JsonPropertyName("at")] long UnixMs,
    [property: JsonPropertyName("c")] string Channel,
    [property: JsonPropertyName("f")] string Field,
    [property: JsonPropertyName("o")] string OldValue,
    [property: JsonPropertyName("v")] string NewValue);

/// <summary>Figures a load run observed at the client (see <see cref="LiveDash.AspNetCore.LiveDashFeed.AddClientTick"/>).</summary>
public sealed record ClientTick(
    [property: JsonPropertyName("run")] string Run,
    [property: JsonPropertyName("t")] long UnixMs,
    [property: JsonPropertyName("rps")] double Rps,
    [property: JsonPropertyName("p50")] double P50,
    [property: JsonPropertyName("p99")] double P99,
    [property: JsonPropertyName("er")] long Errors);

/// <summary>Since the last reset, for one request label on one host model (e.g. the store's mode and workers): requests, seconds it was the mode, req/s, end-to-end p50/p95/p99, peak threads, in-app p50/p99.</summary>
public sealed record ModeSummary(
    [property: JsonPropertyName("m")] int Mode,
    [property: JsonPropertyName("n")] long Requests,
    [property: JsonPropertyName("s")] double Seconds,
    [property: JsonPropertyName("rps")] double Rps,
    [property: JsonPropertyName("p50")] double P50,
    [property: JsonPropertyName("p95")] double P95,
    [property: JsonPropertyName("p99")] double P99,
    [property: JsonPropertyName("pk")] int PeakThreads,
    [property: JsonPropertyName("a50")] double InAppP50 = 0,
    [property: JsonPropertyName("a99")] double InAppP99 = 0,
    [property: JsonPropertyName("wk")] int Workers = 0);

/// <summary>
/// What one dashboard receives: a tick, how many ticks this dashboard has missed because it read too slowly, and
/// when the server sent it (Unix ms), so the page can say how far behind the server it is.
/// </summary>
public sealed record TickFrame(
    [property: JsonPropertyName("d")] long Dropped,
    [property: JsonPropertyName("k")] Tick Tick,
    [property: JsonPropertyName("s")] long SentUnixMs = 0);
