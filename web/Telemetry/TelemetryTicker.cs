using System.Diagnostics;
using LiveDash.Admin;
using Microsoft.AspNetCore.SignalR;

namespace LiveDash.Telemetry;

/// <summary>Every 250 ms: collect a tick and publish it to the dashboards; push settings changes as they happen.</summary>
sealed class TelemetryTicker(
    TelemetryAggregator aggregator,
    TickBroadcaster broadcaster,
    RuntimeSettings settings,
    IHubContext<TelemetryHub, ITelemetryClient> hub,
    TelemetryMetrics metrics,
    ILogger<TelemetryTicker> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// On a dedicated thread, like the farm's publisher: the ticker reports on a thread pool that may be starving,
    /// so it must not wait in that pool's queue (a PeriodicTimer's continuation would).
    /// </summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        settings.Changed += PushChange;
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
                settings.Changed -= PushChange;
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

    // Not awaited by the admin request that made the change; changes are rare, so a stalled dashboard holds at most a few.
    void PushChange(SettingsChange change) => _ = PushChangeAsync(change);

    async Task PushChangeAsync(SettingsChange change)
    {
        try
        {
            await hub.Clients.All.SettingsChanged(new ChangeMessage(change.At.ToUnixTimeMilliseconds(), change.Channel, change.Field, change.OldValue, change.NewValue));
        }
        catch (Exception e)
        {
            logger.LogWarning("Could not push a settings change to the dashboards: {Message}", e.Message);
        }
    }
}
