using LiveDash.AspNetCore;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LiveDash.Telemetry;

/// <summary>Every 250 ms: collect a tick and publish it to the dashboards; push the host's settings-change markers as they happen.</summary>
sealed class TelemetryTicker(
    TelemetryAggregator aggregator,
    TickBroadcaster broadcaster,
    LiveDashFeed feed,
    IHubContext<TelemetryHub, ITelemetryClient> hub,
    TelemetryMetrics metrics,
    Microsoft.Extensions.Options.IOptions<LiveDashOptions> options,
    ILogger<TelemetryTicker> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return;
        feed.Marked += PushChange;
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
            feed.Marked -= PushChange;
        }
    }

    // Not awaited by the request that made the change; changes are rare, so a stalled dashboard holds at most a few.
    void PushChange(ChangeMessage change) => _ = PushChangeAsync(change);

    async Task PushChangeAsync(ChangeMessage change)
    {
        try
        {
            await hub.Clients.All.SettingsChanged(change);
        }
        catch (Exception e)
        {
            logger.LogWarning("Could not push a settings change to the dashboards: {Message}", e.Message);
        }
    }
}
