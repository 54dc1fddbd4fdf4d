using MongoDB.Driver.Core.Configuration;
using MongoDB.Driver.Core.Events;

namespace LiveDash.Store.Mongo;

/// <summary>
/// What the driver's connection pool is doing, from its own events (it exposes no counters): open and checked-out
/// connections for the health view, and the failures a starved thread pool causes (connections that could not be
/// opened, checkouts that timed out), which the driver reports only as exceptions.
/// </summary>
public sealed class MongoPoolMonitor(MongoConnectionSettings connection)
{
    int _open, _inUse;
    long _openFailures, _checkoutTimeouts;
    TaskCompletionSource _warm = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Open => Volatile.Read(ref _open);
    public int InUse => Volatile.Read(ref _inUse);
    public long OpenFailures => Interlocked.Read(ref _openFailures);
    public long CheckoutTimeouts => Interlocked.Read(ref _checkoutTimeouts);

    /// <summary>Completes once the pool holds minPoolSize connections (the driver opens them in the background).</summary>
    public Task Warm => _warm.Task;

    public void Subscribe(ClusterBuilder cluster)
    {
        cluster.Subscribe<ConnectionPoolAddedConnectionEvent>(_ => { if (Interlocked.Increment(ref _open) >= connection.MinPoolSize) _warm.TrySetResult(); });
        cluster.Subscribe<ConnectionPoolRemovedConnectionEvent>(_ => Interlocked.Decrement(ref _open));
        cluster.Subscribe<ConnectionPoolCheckedOutConnectionEvent>(_ => Interlocked.Increment(ref _inUse));
        cluster.Subscribe<ConnectionPoolCheckedInConnectionEvent>(_ => Interlocked.Decrement(ref _inUse));
        cluster.Subscribe<ConnectionOpeningFailedEvent>(_ => Interlocked.Increment(ref _openFailures));
        cluster.Subscribe<ConnectionPoolCheckingOutConnectionFailedEvent>(e =>
        {
            if (e.Reason == ConnectionCheckOutFailedReason.Timeout) Interlocked.Increment(ref _checkoutTimeouts);
        });
        // A cleared pool (the server went away) is refilled from zero: wait for it again.
        cluster.Subscribe<ConnectionPoolClearedEvent>(_ =>
        {
            if (_warm.Task.IsCompleted) Interlocked.Exchange(ref _warm, new(TaskCreationOptions.RunContinuationsAsynchronously));
        });
    }
}
