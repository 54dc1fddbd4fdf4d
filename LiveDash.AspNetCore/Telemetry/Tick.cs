using System.Text.Json.Serialization;

namespace LiveDash.AspNetCore;

/// <summary>
/// What every dashboard gets four times a second. Short JSON names keep a tick with a full waterfall
/// well under 32 KB; times are milliseconds unless named otherwise.
/// </summary>
public sealed record Tick
{
    /// <summary>The tick's number, from 1 at start-up.</summary>
    [JsonPropertyName("n")] public long Seq { get; init; }
    /// <summary>When it was collected, Unix milliseconds.</summary>
    [JsonPropertyName("t")] public long UnixMs { get; init; }
    /// <summary>The time it covers, since the previous tick (about 250 ms).</summary>
    [JsonPropertyName("dt")] public double IntervalMs { get; init; }
    /// <summary>The host's current request label: an index into <see cref="ILiveDashLabels.Names"/> (0 when the host has none).</summary>
    [JsonPropertyName("m")] public int Mode { get; init; }
    /// <summary>Requests completed without failing in this tick.</summary>
    [JsonPropertyName("ok")] public long Ok { get; init; }
    /// <summary>Requests that failed (an exception or a 5xx) in this tick.</summary>
    [JsonPropertyName("er")] public long Errors { get; init; }
    /// <summary>Requests completed per second over this tick.</summary>
    [JsonPropertyName("rps")] public double Rps { get; init; }
    /// <summary>Requests being handled when the tick was collected.</summary>
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
    /// <summary>Thread-pool threads.</summary>
    [JsonPropertyName("th")] public int Threads { get; init; }
    /// <summary>Thread-pool work items waiting for a thread.</summary>
    [JsonPropertyName("q")] public long QueuedWorkItems { get; init; }
    /// <summary>Thread-pool work items completed per second.</summary>
    [JsonPropertyName("cw")] public double CompletedWorkItemsPerSecond { get; init; }
    /// <summary>The thread pool's minimum worker threads (it adds threads beyond them slowly).</summary>
    [JsonPropertyName("mn")] public int MinWorkerThreads { get; init; }
    /// <summary>Managed heap, MB.</summary>
    [JsonPropertyName("gc")] public double HeapMb { get; init; }
    /// <summary>Process CPU over all cores, 0 to 100.</summary>
    [JsonPropertyName("cpu")] public double CpuPercent { get; init; }
    /// <summary>End-to-end counts per latency bin; the bin edges are <see cref="LiveDashFeed.HistogramEdgesMs"/>.</summary>
    [JsonPropertyName("h")] public int[] Histogram { get; init; } = [];
    /// <summary>Up to 100 of this tick's requests, sampled evenly; null when none completed.</summary>
    [JsonPropertyName("w")] public WaterfallEntry[]? Waterfall { get; init; }
    /// <summary>Names of the round trips (see <see cref="RequestTimeline.BeginRoundTrip"/>) the waterfall entries refer to by index.</summary>
    [JsonPropertyName("lb")] public string[]? RoundTripLabels { get; init; }
    /// <summary>Settings changes marked since the last tick (see <see cref="LiveDashFeed.Mark(ChangeMessage)"/>); null when none.</summary>
    [JsonPropertyName("ch")] public ChangeMessage[]? Changes { get; init; }
    /// <summary>Figures load runs reported since the last tick (see <see cref="LiveDashFeed.AddClientTick"/>); null when none.</summary>
    [JsonPropertyName("cl")] public ClientTick[]? ClientTicks { get; init; }
    /// <summary>Totals per (label, group) since the last reset (see <see cref="LiveDashFeed.ResetTotals"/>).</summary>
    [JsonPropertyName("pm")] public ModeSummary[] Modes { get; init; } = [];
    /// <summary>Mean server latency of this tick's requests (ms), for Little's law: in flight = req/s × mean latency.</summary>
    [JsonPropertyName("avg")] public double MeanMs { get; init; }
    /// <summary>Time on a thread per endpoint over this tick's requests (see <see cref="LiveDash.AspNetCore.EndpointTick"/>); null when not measured or none completed.</summary>
    [JsonPropertyName("eps"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public LiveDash.AspNetCore.EndpointTick[]? Endpoints { get; init; }
    /// <summary>
    /// The host's own figures (see <see cref="ILiveDashGauges"/>), written at the tick's top level
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
    [JsonIgnore] internal long ArrivedTimestamp { get; init; }
    /// <summary>When the request reached our first middleware, relative to the tick's time (negative: before it).</summary>
    [JsonPropertyName("s")] public double Start { get; init; }
    /// <summary>Waiting for a thread before that: bytes received → our first middleware (0 when not measured).</summary>
    [JsonPropertyName("wt")] public double WaitForThread { get; init; }
    /// <summary>Client send → bytes received, when the client sent an X-LiveDash-Sent header; else absent.</summary>
    [JsonPropertyName("b"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? BeforeServer { get; init; }
    /// <summary>Our first middleware → the endpoint starting.</summary>
    [JsonPropertyName("q")] public double Queued { get; init; }
    /// <summary>Our first middleware → the response done.</summary>
    [JsonPropertyName("d")] public double Total { get; init; }
    /// <summary>The response's status code.</summary>
    [JsonPropertyName("c")] public int Status { get; init; }
    /// <summary>The request's label, an index into <see cref="ILiveDashLabels.Names"/>.</summary>
    [JsonPropertyName("m")] public int Mode { get; init; }
    /// <summary>The endpoint's route pattern (or path), cut to 48 characters.</summary>
    [JsonPropertyName("r")] public string Route { get; init; } = "";
    /// <summary>Its round trips as [start, end, start, end, ...] relative to its arrival at our first middleware.</summary>
    [JsonPropertyName("db")] public double[] Db { get; init; } = [];
    /// <summary>Each round trip's name, an index into <see cref="Tick.RoundTripLabels"/>.</summary>
    [JsonPropertyName("l")] public int[] Labels { get; init; } = [];
    /// <summary>Of the time in the app, on a thread (the rest awaited holding none); of that on a CPU or waiting for one, and blocked. Null when not measured.</summary>
    [JsonPropertyName("ot"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? OnThread { get; init; }
    /// <summary>Of its time on a thread, on a CPU or waiting for one (ms).</summary>
    [JsonPropertyName("oc"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? OnCpu { get; init; }
    /// <summary>Of its time on a thread, blocked (ms).</summary>
    [JsonPropertyName("bl"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? Blocked { get; init; }
    [JsonIgnore] internal string[] LabelNames { get; init; } = [];
}

/// <summary>A settings change, drawn as a marker on every chart.</summary>
/// <param name="UnixMs">When it was made, Unix milliseconds.</param>
/// <param name="Channel">Who made it (may be empty).</param>
/// <param name="Field">What changed, e.g. "mode".</param>
/// <param name="OldValue">Its value before.</param>
/// <param name="NewValue">Its value after.</param>
public sealed record ChangeMessage(
    [property: JsonPropertyName("at")] long UnixMs,
    [property: JsonPropertyName("c")] string Channel,
    [property: JsonPropertyName("f")] string Field,
    [property: JsonPropertyName("o")] string OldValue,
    [property: JsonPropertyName("v")] string NewValue);

/// <summary>Figures a load run observed at the client (see <see cref="LiveDashFeed.AddClientTick"/>).</summary>
/// <param name="Run">The run's name.</param>
/// <param name="UnixMs">When the client measured them, Unix milliseconds.</param>
/// <param name="Rps">Responses per second the client received.</param>
/// <param name="P50">Median latency the client saw, ms.</param>
/// <param name="P99">99th percentile the client saw, ms.</param>
/// <param name="Errors">Requests that failed at the client.</param>
public sealed record ClientTick(
    [property: JsonPropertyName("run")] string Run,
    [property: JsonPropertyName("t")] long UnixMs,
    [property: JsonPropertyName("rps")] double Rps,
    [property: JsonPropertyName("p50")] double P50,
    [property: JsonPropertyName("p99")] double P99,
    [property: JsonPropertyName("er")] long Errors);

/// <summary>Since the last reset, for one request label under one host group (see <see cref="ILiveDashLabels"/>).</summary>
/// <param name="Mode">The label, an index into <see cref="ILiveDashLabels.Names"/>.</param>
/// <param name="Requests">Requests completed under it.</param>
/// <param name="Seconds">Seconds the host was set to it.</param>
/// <param name="Rps">Requests per second while it was set.</param>
/// <param name="P50">End-to-end median, ms.</param>
/// <param name="P95">End-to-end 95th percentile, ms.</param>
/// <param name="P99">End-to-end 99th percentile, ms.</param>
/// <param name="PeakThreads">Most thread-pool threads seen while it was set.</param>
/// <param name="InAppP50">In-app median, ms.</param>
/// <param name="InAppP99">In-app 99th percentile, ms.</param>
/// <param name="Group">The host's group (see <see cref="ILiveDashLabels.Group"/>).</param>
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
    [property: JsonPropertyName("wk")] int Group = 0);

/// <summary>
/// What one dashboard receives: a tick, how many ticks this dashboard has missed because it read too slowly, and
/// when the server sent it (Unix ms), so the page can say how far behind the server it is.
/// </summary>
internal sealed record TickFrame(
    [property: JsonPropertyName("d")] long Dropped,
    [property: JsonPropertyName("k")] Tick Tick,
    [property: JsonPropertyName("s")] long SentUnixMs = 0);
