using System.Diagnostics;
using LiveDash.Admin;
using LiveDash.Telemetry;

namespace LiveDash.Tests.Telemetry;

/// <summary>A recorder and aggregator wired together without a host, and finished timelines to feed them.</summary>
sealed class TelemetryTestKit : IDisposable
{
    public RuntimeSettings Settings { get; } = new(new SettingsSnapshot(StoreMode.Async, 0, 0));
    public TelemetryRecorder Recorder { get; } = new();
    public DbPoolMonitor DbPool { get; } = new();
    public RecentLatency Recent { get; } = new();
    public TelemetryAggregator Aggregator { get; }

    public TelemetryTestKit() => Aggregator = new TelemetryAggregator(Recorder, Settings, DbPool, TimeProvider.System, Recent);

    /// <summary>A request that took <paramref name="micros"/> µs in the app, with <paramref name="roundTrips"/> database round trips of a third of it each at most;
    /// <paramref name="waitMicros"/>: how long its bytes waited for a thread before it (0 = arrival not measured).</summary>
    public static RequestTimeline Finished(long micros, int status = 200, int roundTrips = 0, StoreMode mode = StoreMode.Async, long waitMicros = 0)
    {
        var timeline = new RequestTimeline();
        var start = Stopwatch.GetTimestamp() - micros * Stopwatch.Frequency / 1_000_000;
        var us = Stopwatch.Frequency / 1_000_000.0;
        timeline.Start(start, waitMicros > 0 ? start - (long)(us * waitMicros) : 0, mode);
        timeline.MarkHandlerStarted(start + (long)(us * 10));
        var slice = micros / (roundTrips + 1) / 2;
        for (var i = 0; i < roundTrips; i++)
        {
            var s = start + (long)(us * (20 + i * 2 * slice));
            var token = timeline.BeginRoundTrip(i % 2 == 0 ? "find-user" : "recent-orders", s);
            timeline.EndRoundTrip(token, s + (long)(us * slice));
        }
        timeline.Finish(start + (long)(us * micros), status, failed: false);
        return timeline;
    }

    public void Dispose()
    {
        Aggregator.Dispose();
        DbPool.Dispose();
    }
}
