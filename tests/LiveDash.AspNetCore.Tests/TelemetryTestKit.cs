using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LiveDash.AspNetCore.Tests;

/// <summary>Three request labels the host switches between (a store's modes, say), and a group it is set to.</summary>
sealed class TestLabels : ILiveDashLabels
{
    public const int Sync = 0, Async = 1, Mixed = 2;
    public IReadOnlyList<string> Names { get; } = ["Sync", "Async", "Mixed"];
    public int Of(HttpContext context) => Current;
    public int Current { get; set; } = Async;
    public int Group { get; set; }
}

/// <summary>The library's recorder and aggregator as AddLiveDash wires them, with three labels, without a host; and finished timelines to feed them.</summary>
sealed class TelemetryTestKit : IDisposable
{
    readonly ServiceProvider _services;

    public TestLabels Labels { get; } = new();
    public TelemetryRecorder Recorder { get; }
    public TelemetryAggregator Aggregator { get; }
    public LiveDashFeed Feed { get; }

    public TelemetryTestKit()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<ILiveDashLabels>(Labels);
        services.AddLiveDash();
        _services = services.BuildServiceProvider();
        Recorder = _services.GetRequiredService<TelemetryRecorder>();
        Aggregator = _services.GetRequiredService<TelemetryAggregator>();
        Feed = _services.GetRequiredService<LiveDashFeed>();
    }

    /// <summary>A request that took <paramref name="micros"/> µs in the app, with <paramref name="roundTrips"/> round trips of a third of it each at most;
    /// <paramref name="waitMicros"/>: how long its bytes waited for a thread before it (0 = arrival not measured).</summary>
    public static RequestTimeline Finished(long micros, int status = 200, int roundTrips = 0, int label = TestLabels.Async, long waitMicros = 0)
    {
        var timeline = new RequestTimeline();
        var start = Stopwatch.GetTimestamp() - micros * Stopwatch.Frequency / 1_000_000;
        var us = Stopwatch.Frequency / 1_000_000.0;
        timeline.Start(start, waitMicros > 0 ? start - (long)(us * waitMicros) : 0, label);
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
        _services.Dispose();
    }
}
