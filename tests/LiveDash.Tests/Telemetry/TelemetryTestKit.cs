using System.Diagnostics;
using LiveDash.Admin;
using LiveDash.AspNetCore;
using LiveDash.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace LiveDash.Tests.Telemetry;

/// <summary>The LiveDash library's recorder and aggregator as the store wires them (its labels and markers), without a host, and finished timelines to feed them.</summary>
sealed class TelemetryTestKit : IDisposable
{
    readonly ServiceProvider _services;

    public RuntimeSettings Settings { get; } = new(new SettingsSnapshot(StoreMode.Async, 0, 0));
    public TelemetryRecorder Recorder { get; }
    public DbPoolMonitor DbPool { get; } = new();
    public RecentLatency Recent { get; }
    public TelemetryAggregator Aggregator { get; }

    public TelemetryTestKit()
    {
        var services = new ServiceCollection().AddLogging().AddLiveDash();
        services.AddSingleton<ILiveDashLabels>(new StoreLabels(Settings));
        _services = services.BuildServiceProvider();
        Recorder = _services.GetRequiredService<TelemetryRecorder>();
        Recent = _services.GetRequiredService<RecentLatency>();
        Aggregator = _services.GetRequiredService<TelemetryAggregator>();
        TelemetryExtensions.Bridge(Settings, _services.GetRequiredService<LiveDashFeed>());
    }

    /// <summary>A request that took <paramref name="micros"/> µs in the app, with <paramref name="roundTrips"/> database round trips of a third of it each at most;
    /// <paramref name="waitMicros"/>: how long its bytes waited for a thread before it (0 = arrival not measured).</summary>
    public static RequestTimeline Finished(long micros, int status = 200, int roundTrips = 0, StoreMode mode = StoreMode.Async, long waitMicros = 0)
    {
        var timeline = new RequestTimeline();
        var start = Stopwatch.GetTimestamp() - micros * Stopwatch.Frequency / 1_000_000;
        var us = Stopwatch.Frequency / 1_000_000.0;
        timeline.Start(start, waitMicros > 0 ? start - (long)(us * waitMicros) : 0, (int)mode);
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
        _services.Dispose();
    }
}
