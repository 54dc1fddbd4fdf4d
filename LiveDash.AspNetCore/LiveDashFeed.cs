
namespace LiveDash.AspNetCore;

/// <summary>
/// What a host feeds into the dashboards besides its requests, and what it may read back: settings-change
/// markers, a reset of the per-label totals, figures a load run saw at its clients, the latest tick and a
/// summary of the last seconds. A singleton; inject it anywhere.
/// </summary>
public sealed class LiveDashFeed
{
    /// <summary>The System.Diagnostics.Metrics meter the tick's figures are published on (a host may add its own instruments to it).</summary>
    public const string MeterName = TelemetryMetrics.MeterName;

    /// <summary>The most seconds <see cref="Summarize"/> covers.</summary>
    public const int MaxSummarySeconds = RecentLatency.MaxSeconds;

    /// <summary>The upper edges (ms) of the tick's end-to-end histogram bins (<see cref="Tick.Histogram"/> has one more, for the rest).</summary>
    public static IReadOnlyList<double> HistogramEdgesMs => TelemetryAggregator.HistogramEdgesMs;

    readonly TelemetryRecorder _recorder;
    readonly RecentLatency _recent;
    readonly TickBroadcaster _ticks;
    readonly TelemetryAggregator _aggregator;
    readonly TimeProvider _time;
    readonly RecentThreadTime? _threads;
    readonly int _routes;

    internal LiveDashFeed(TelemetryRecorder recorder, RecentLatency recent, TickBroadcaster ticks, TelemetryAggregator aggregator, TimeProvider time,
        RecentThreadTime? threads = null, int routes = 8)
    {
        _threads = threads;
        _routes = routes;
        _recorder = recorder;
        _recent = recent;
        _ticks = ticks;
        _aggregator = aggregator;
        _time = time;
        aggregator.Collected += (tick, endToEnd) => TickCollected?.Invoke(tick, endToEnd);
    }

    /// <summary>Marks a settings change on every chart (and pushes it to open dashboards at once), e.g. field "mode", "Sync" → "Async".</summary>
    /// <param name="field">What changed.</param>
    /// <param name="oldValue">Its value before.</param>
    /// <param name="newValue">Its value after.</param>
    /// <param name="channel">Who made it, shown with the marker (may be empty).</param>
    public void Mark(string field, string oldValue, string newValue, string channel = "") =>
        Mark(new ChangeMessage(_time.GetUtcNow().ToUnixTimeMilliseconds(), channel, field, oldValue, newValue));

    /// <summary>Marks a settings change taken at a known time.</summary>
    /// <param name="change">The change.</param>
    public void Mark(ChangeMessage change)
    {
        _recorder.AddChange(change);
        Marked?.Invoke(change);
    }

    /// <summary>Clears the per-label totals since the last reset, from the next tick on.</summary>
    public void ResetTotals() => _aggregator.RequestReset();

    /// <summary>Adds what a load run's clients saw, drawn beside the server's figures on the next tick.</summary>
    /// <param name="tick">The client's figures.</param>
    /// <returns>false when too many are already waiting for the next tick (this one is dropped).</returns>
    public bool AddClientTick(ClientTick tick) => _recorder.AddClientTick(tick);

    /// <summary>The latest tick, or null before the first.</summary>
    public Tick? Latest => _ticks.Latest;

    /// <summary>End to end, in app, waiting for a thread and time on a thread per endpoint over the last <paramref name="seconds"/> (1 to 60) completed seconds.</summary>
    /// <param name="seconds">How many completed seconds, 1 to <see cref="MaxSummarySeconds"/>.</param>
    /// <returns>What <c>{path}/api/summary?seconds=N</c> answers.</returns>
    public LatencySummary Summarize(int seconds)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var summary = _recent.Summarize(now, seconds);
        if (_threads is null) return summary;
        var (endpoints, peak) = _threads.Summarize(now, seconds, _routes);
        return summary with { Endpoints = endpoints, PeakThreads = peak };
    }

    /// <summary>
    /// Raised on the ticker's thread with each tick and its end-to-end histogram of the tick's requests; the
    /// histogram is reused after the call, so take a snapshot to keep it.
    /// </summary>
    public event Action<Tick, LatencyHistogram>? TickCollected;

    internal event Action<ChangeMessage>? Marked;
}
