using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.SignalR;

namespace LiveDash.AspNetCore;

/// <summary>
/// Dashboards call <see cref="Ticks"/> once and read a stream: the last minute, then a tick every
/// 250 ms. Each stream drains its own bounded queue, so a stalled dashboard only ever delays itself.
/// Settings changes are pushed to every dashboard the moment they happen, as <see cref="SettingsChanged"/>
/// with a <see cref="ChangeMessage"/> (the next tick also carries them, for the chart markers).
/// </summary>
sealed class TelemetryHub(TickBroadcaster broadcaster) : Hub
{
    public const string SettingsChanged = "SettingsChanged";

    public async IAsyncEnumerable<TickFrame> Ticks([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Context.ConnectionAborted);
        var subscription = broadcaster.Subscribe();
        try
        {
            await foreach (var tick in subscription.Reader.UntilStopped(stop.Token))
                yield return new TickFrame(subscription.Dropped, tick, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        }
        finally
        {
            broadcaster.Unsubscribe(subscription);
        }
    }
}
