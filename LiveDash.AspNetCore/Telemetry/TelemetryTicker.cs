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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        settings.Changed += PushChange;
        metrics.Attach();
        try
        {
            using var timer = new PeriodicTimer(Interval);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
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
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            settings.Changed -= PushChange;
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
