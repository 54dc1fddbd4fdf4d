using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.SignalR;

namespace LiveDash.Farm;

/// <summary>The farm panel calls <see cref="Frames"/> once: the last minute of farm frames, then one every 250 ms.</summary>
sealed class FarmHub(FarmBroadcaster broadcaster) : Hub
{
    public async IAsyncEnumerable<FarmFrame> Frames([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Context.ConnectionAborted);
        var subscription = broadcaster.Subscribe();
        try
        {
            await foreach (var frame in subscription.Reader.UntilStopped(stop.Token))
                yield return frame;
        }
        finally
        {
            broadcaster.Unsubscribe(subscription);
        }
    }
}
