using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LiveDash.AspNetCore;

/// <summary>Every 250 ms: collect a tick and publish it to the dashboards; push the host's settings-change markers as they happen.</summary>
sealed class TelemetryTicker(
    TelemetryAggregator aggregator,
    TickBroadcaster broadcaster,
    LiveDashFeed feed,
    IHubContext<TelemetryHub> hub,
    TelemetryMetrics metrics,
    IOptions<LiveDashOptions> options,
    ILogger<TelemetryTicker> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// On a dedicated thread, like the farm's publisher: the ticker reports on a thread pool that may be starving,
    /// so it must not wait in that pool's queue (a PeriodicTimer's continuation would).
    /// </summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return Task.CompletedTask;
        feed.Marked += PushChange;
        metrics.Attach();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            try
            {
                TickLoop(stoppingToken);
            }
            finally
            {
                feed.Marked -= PushChange;
                done.TrySetResult();
            }
        }) { IsBackground = true, Name = "LiveDash telemetry ticker" }.Start();
        return done.Task;
    }

    void TickLoop(CancellationToken stoppingToken)
    {
        var next = Stopwatch.GetTimestamp();
        var interval = (long)(Interval.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            next += interval;
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait < -Interval) next = Stopwatch.GetTimestamp();   // fell behind by a whole tick: skip, do not burst
            if (stoppingToken.WaitHandle.WaitOne(wait > TimeSpan.Zero ? wait : TimeSpan.Zero)) return;
            try
            {
                broadcaster.Publish(aggregator.Collect());
            }
            catch (Exception e)
            {
                logger.LogError(e, "Telemetry tick failed");
            }
        }
    }

    // Not awaited by the request that made the change; changes are rare, so a stalled dashboard holds at most a few.
    void PushChange(ChangeMessage change) => _ = PushChangeAsync(change);

    async Task PushChangeAsync(ChangeMessage change)
    {
        try
        {
            await hub.Clients.All.SendAsync(TelemetryHub.SettingsChanged, change);
        }
        catch (Exception e)
        {
            logger.LogWarning("Could not push a settings change to the dashboards: {Message}", e.Message);
        }
    }
}
