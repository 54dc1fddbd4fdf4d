using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.SignalR;

namespace LiveDash.AspNetCore;

public interface ITelemetryClient
{
    /// <summary>Pushed the moment a setting changes (the next tick also carries it, for the chart markers).</summary>
    Task SettingsChanged(ChangeMessage change);
}

/// <summary>
/// Dashboards call <see cref="Ticks"/> once and read a stream: the last minute, then a tick every
/// 250 ms. Each stream drains its own bounded queue, so a stalled dashboard only ever delays itself.
/// </summary>
sealed class TelemetryHub(TickBroadcaster broadcaster) : Hub<ITelemetryClient>
{
    public async IAsyncEnumerable<TickFrame> Ticks([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Context.ConnectionAborted);
        var subscription = broadcaster.Subscribe();
        try
        {
            await foreach (var tick in subscription.Reader.ReadAllAsync(stop.Token))
                yield return new TickFrame(subscription.Dropped, tick, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        }
        finally
        {
            broadcaster.Unsubscribe(subscription);
        }
    }
}
