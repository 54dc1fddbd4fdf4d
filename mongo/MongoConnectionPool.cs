using System.Collections.Concurrent;

namespace LiveDash.Mongo;

public readonly record struct MongoPoolStats(int MaxSize, int MinSize, int Open, int Idle, int InUse, long Created, long Discarded);

/// <summary>
/// A bounded pool (specs/connection-monitoring-and-pooling.md, simplified): at most maxPoolSize
/// connections checked out, at most maxConnecting of them being established at once, waiters give
/// up after waitQueueTimeoutMS, broken connections are discarded and replaced on demand, and
/// <see cref="Clear"/> retires every existing connection.
/// </summary>
public sealed class MongoConnectionPool(MongoUrl url) : IDisposable
{
    readonly SemaphoreSlim _slots = new(url.MaxPoolSize, url.MaxPoolSize);
    readonly SemaphoreSlim _connecting = new(url.MaxConnecting, url.MaxConnecting);
    readonly ConcurrentStack<MongoConnection> _idle = new();
    int _generation;
    int _open;
    long _created;
    long _discarded;
    bool _disposed;

    public MongoUrl Url => url;

    public MongoPoolStats Stats => new(url.MaxPoolSize, url.MinPoolSize, Volatile.Read(ref _open), _idle.Count,
        url.MaxPoolSize - _slots.CurrentCount, Interlocked.Read(ref _created), Interlocked.Read(ref _discarded));

    /// <summary>Waits (blocking when !async) for a free slot, then hands out an idle connection or opens a new one.</summary>
    internal async ValueTask<MongoConnection> CheckOutAsync(bool async, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var got = async ? await _slots.WaitAsync(url.WaitQueueTimeout, ct).ConfigureAwait(false) : _slots.Wait(url.WaitQueueTimeout, ct);
        if (!got)
            throw new MongoConnectionException($"no MongoDB connection became free within waitQueueTimeoutMS={url.WaitQueueTimeout.TotalMilliseconds:F0} (all {url.MaxPoolSize} of maxPoolSize in use)");
        try
        {
            if (TakeIdle() is { } idle) return idle;
            // A burst on an empty pool opens maxConnecting at a time, not all at once (each costs the server a
            // handshake and authentication; unbounded, the later ones time out and are tried again), and a checkout
            // that waited for its turn takes a connection that came back meanwhile instead of opening one.
            var turn = async ? await _connecting.WaitAsync(url.WaitQueueTimeout, ct).ConfigureAwait(false) : _connecting.Wait(url.WaitQueueTimeout, ct);
            if (!turn)
                throw new MongoConnectionException($"no MongoDB connection could be started within waitQueueTimeoutMS={url.WaitQueueTimeout.TotalMilliseconds:F0} ({url.MaxConnecting} of maxConnecting being established)");
            try
            {
                if (TakeIdle() is { } returned) return returned;
                var connection = await MongoConnection.OpenAsync(url, Volatile.Read(ref _generation), async, ct).ConfigureAwait(false);
                Interlocked.Increment(ref _open);
                Interlocked.Increment(ref _created);
                return connection;
            }
            finally
            {
                _connecting.Release();
            }
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    MongoConnection? TakeIdle()
    {
        while (_idle.TryPop(out var idle))
        {
            if (!idle.IsBroken && idle.Generation == Volatile.Read(ref _generation)) return idle;
            Discard(idle);
        }
        return null;
    }

    internal void CheckIn(MongoConnection connection)
    {
        if (connection.IsBroken || connection.Generation != Volatile.Read(ref _generation) || _disposed) Discard(connection);
        else _idle.Push(connection);
        _slots.Release();
    }

    /// <summary>Retires every connection (idle now, checked-out ones when they come back): after an outage none of them can be trusted.</summary>
    internal void Clear()
    {
        Interlocked.Increment(ref _generation);
        while (_idle.TryPop(out var idle)) Discard(idle);
    }

    /// <summary>Opens connections until minPoolSize are idle; called on start-up and after health checks, not from a background thread.</summary>
    public async Task FillToMinimumAsync(CancellationToken ct)
    {
        var held = new List<MongoConnection>();
        try
        {
            while (Volatile.Read(ref _open) < url.MinPoolSize && held.Count < url.MinPoolSize)
                held.Add(await CheckOutAsync(async: true, ct).ConfigureAwait(false));
        }
        finally
        {
            foreach (var connection in held) CheckIn(connection);
        }
    }

    void Discard(MongoConnection connection)
    {
        connection.Dispose();
        Interlocked.Decrement(ref _open);
        Interlocked.Increment(ref _discarded);
    }

    public void Dispose()
    {
        _disposed = true;
        Clear();
    }
}
