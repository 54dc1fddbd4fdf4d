using LiveDash.LoadTests.Scenarios;
using LiveDash.AspNetCore;

namespace LiveDash.LoadTests.Running;

/// <summary>One second of a run, in milliseconds; Corrected* from the intended start, Raw* from the actual send.</summary>
public sealed record SecondSummary(
    int Second, long Requests, long Errors, long Dropped,
    double P50, double P90, double P99, double Max, double RawP50, double RawP99,
    IReadOnlyDictionary<string, long> ErrorsByKind);

public sealed record LatencySummary(double P50, double P75, double P90, double P95, double P99, double P999, double Max, double Mean)
{
    public static LatencySummary Of(LatencyHistogram h) => new(
        Ms(h.ValueAtPercentile(50)), Ms(h.ValueAtPercentile(75)), Ms(h.ValueAtPercentile(90)), Ms(h.ValueAtPercentile(95)),
        Ms(h.ValueAtPercentile(99)), Ms(h.ValueAtPercentile(99.9)), Ms(h.Max), Math.Round(h.Mean / 1000, 3));

    public static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
}

/// <summary>One load agent's part of a merged run: what it sent and what it saw.</summary>
public sealed record AgentShare(string Name, long Requests, long Errors, double Seconds, double RequestsPerSecond, double P50, double P99, string StopReason);

/// <summary>A histogram bucket for reports: [LowMs, HighMs] held Count requests.</summary>
public sealed record HistogramBar(double LowMs, double HighMs, long Count);

public sealed record ThresholdOutcome(Threshold Threshold, double Measured, bool Passed)
{
    public string Describe() => $"{Threshold.Text} (measured {Measured:0.###}{Unit})";

    string Unit => Threshold.Metric switch
    {
        "errors%" or "dropped%" => "%",
        "errors" or "dropped" => "",
        "rps" => " req/s",
        _ => " ms",
    };
}

/// <summary>
/// One request of the lecture scenario: when it was sent and answered, relative to the first send; its
/// time alone; and the server's split of it (queued, our code, database) from its Server-Timing header.
/// </summary>
public sealed record LectureRequest(int Number, string Path, double SentAtMs, double DoneAtMs, int Status,
    double AloneMs = 0, double? QueuedMs = null, double? AppMs = null, double? DbMs = null)
{
    public double DurationMs => DoneAtMs - SentAtMs;
    public double SlowerThanAlone => AloneMs > 0 ? DurationMs / AloneMs : 0;
}

public sealed record RunResult(
    string Scenario,
    string Target,
    string? ServerMode,
    DateTimeOffset StartedAt,
    double Seconds,
    long Requests,
    long Errors,
    long Dropped,
    LatencySummary Corrected,
    LatencySummary Raw,
    IReadOnlyDictionary<string, long> ErrorsByKind,
    IReadOnlyList<SecondSummary> PerSecond,
    IReadOnlyList<HistogramBar> Histogram,
    string StopReason,
    bool OpenModel)
{
    public IReadOnlyList<ThresholdOutcome> Thresholds { get; init; } = [];
    public IReadOnlyList<LectureRequest> Lecture { get; init; } = [];
    /// <summary>The server model the run met: 0 = the .NET thread pool, N = N store workers; null when unknown.</summary>
    public int? ServerWorkers { get; init; }

    /// <summary>For a run merged from load agents: each agent's share; empty for a run from one process.</summary>
    public IReadOnlyList<AgentShare> Agents { get; init; } = [];

    public double RequestsPerSecond => Seconds > 0 ? Math.Round(Requests / Seconds, 1) : 0;
    public double ErrorPercent => Requests > 0 ? Math.Round(100.0 * Errors / Requests, 3) : 0;
    public bool ThresholdsPassed => Thresholds.All(t => t.Passed);

    public static RunResult From(Scenario scenario, string target, string? mode, DateTimeOffset startedAt, double seconds, RunStats stats, string stopReason)
    {
        var lastSecond = Math.Min(stats.SecondCount, (int)Math.Ceiling(seconds));
        var perSecond = new List<SecondSummary>();
        for (var s = 0; s < lastSecond; s++)
        {
            var at = stats.At(s);
            perSecond.Add(at is null
                ? new SecondSummary(s, 0, 0, 0, 0, 0, 0, 0, 0, 0, new Dictionary<string, long>())
                : Summary(s, at, at.Figures()));
        }
        var result = new RunResult(scenario.Name, target, mode, startedAt, Math.Round(seconds, 3), stats.Requests, stats.Errors, stats.Dropped,
            LatencySummary.Of(stats.Corrected), LatencySummary.Of(stats.Raw), new SortedDictionary<string, long>(stats.ErrorsByKind),
            perSecond, Bars(stats.Corrected), stopReason, scenario.IsOpen);
        return result with { Thresholds = scenario.Thresholds.Select(result.Evaluate).ToList() };
    }

    static SecondSummary Summary(int s, SecondStats at, SecondFigures f) =>
        new(s, at.Requests, at.Errors, at.Dropped, LatencySummary.Ms(f.P50), LatencySummary.Ms(f.P90), LatencySummary.Ms(f.P99), LatencySummary.Ms(f.Max),
            LatencySummary.Ms(f.RawP50), LatencySummary.Ms(f.RawP99), new SortedDictionary<string, long>(at.ErrorsByKind));

    /// <summary>The corrected histogram's non-empty buckets (about 1% wide); the report bins them on a logarithmic axis.</summary>
    internal static List<HistogramBar> Bars(LatencyHistogram histogram) =>
        histogram.Buckets().Select(b => new HistogramBar(b.Low / 1000.0, b.High / 1000.0, b.Count)).ToList();

    public ThresholdOutcome Evaluate(Threshold threshold)
    {
        var measured = threshold.Metric switch
        {
            "p50" => Corrected.P50,
            "p75" => Corrected.P75,
            "p90" => Corrected.P90,
            "p95" => Corrected.P95,
            "p99" => Corrected.P99,
            "p99.9" => Corrected.P999,
            "max" => Corrected.Max,
            "mean" => Corrected.Mean,
            "errors" => Errors,
            "errors%" => ErrorPercent,
            "dropped" => Dropped,
            "dropped%" => Requests + Dropped > 0 ? 100.0 * Dropped / (Requests + Dropped) : 0,
            _ => RequestsPerSecond,
        };
        return new ThresholdOutcome(threshold, measured, threshold.Passes(measured));
    }
}
