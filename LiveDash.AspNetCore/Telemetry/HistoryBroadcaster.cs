using System.Collections.Concurrent;
using System.Threading.Channels;

namespace LiveDash.AspNetCore;

/// <summary>
/// Keeps the last minute of items (4 a second) and hands every new one to each subscriber's own bounded queue.
/// Publishing never waits on a subscriber: a full queue drops its oldest item and counts the drop.
/// </summary>
/// <param name="backlog">How the i-th of n history items is replayed to a new subscriber (e.g. lighter when old); null replays them as they are.</param>
class HistoryBroadcaster<T>(Func<T, int, int, T>? backlog = null) where T : class
{
    public const int HistoryLength = 240;                          // 60 s at 4 Hz
    public const int ClientQueueCapacity = HistoryLength + 16;     // the backlog plus a few seconds of slack

    readonly T?[] _history = new T?[HistoryLength];
    readonly ConcurrentDictionary<Subscription<T>, byte> _subscribers = new();
    readonly Lock _lock = new();
    int _next;
    int _count;
    T? _latest;

    public T? Latest => Volatile.Read(ref _latest);
    public int SubscriberCount => _subscribers.Count;
    public IEnumerable<Subscription<T>> Subscribers => _subscribers.Keys;

    public void Publish(T item)
    {
        Subscription<T>[] subscribers;
        lock (_lock)
        {
            _history[_next] = item;
            _next = (_next + 1) % HistoryLength;
            _count = Math.Min(_count + 1, HistoryLength);
            Volatile.Write(ref _latest, item);
            subscribers = [.. _subscribers.Keys];
        }
        // Outside the lock: a waiting reader's continuation (the hub sending the item) may run right here, on the publisher's thread.
        foreach (var subscriber in subscribers) subscriber.Offer(item);
    }

    /// <summary>A queue that starts with the last minute of items and then gets each new one.</summary>
    public Subscription<T> Subscribe()
    {
        var subscription = new Subscription<T>(ClientQueueCapacity);
        lock (_lock)
        {
            for (var i = 0; i < _count; i++)
            {
                var item = _history[(_next - _count + i + HistoryLength) % HistoryLength]!;
                subscription.Offer(backlog is null ? item : backlog(item, i, _count));
            }
            _subscribers.TryAdd(subscription, 0);
        }
        return subscription;
    }

    public void Unsubscribe(Subscription<T> subscription) => _subscribers.TryRemove(subscription, out _);
}

sealed class Subscription<T>
{
    readonly Channel<T> _queue;
    long _dropped;

    public Subscription(int capacity)
    {
        _queue = Channel.CreateBounded<T>(
            // Synchronous continuations: a dashboard waiting for the next item is sent it on the publisher's own thread
            // (the ticker's, not a pool thread), so a starved thread pool does not hold the send back; a reader that
            // cannot take it at once (a full socket) goes on asynchronously and never blocks the publisher.
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = false, AllowSynchronousContinuations = true },
            _ => Interlocked.Increment(ref _dropped));
    }

    public ChannelReader<T> Reader => _queue.Reader;
    public long Dropped => Volatile.Read(ref _dropped);
    public int Queued => _queue.Reader.Count;

    internal void Offer(T item) => _queue.Writer.TryWrite(item);
}

static class SubscriptionReading
{
    /// <summary>
    /// A subscriber's items until the dashboard goes away. A hub stream that ends with an exception when its
    /// client disconnects is logged by SignalR as a failure; a closed dashboard is the normal end, so this ends quietly.
    /// </summary>
    public static async IAsyncEnumerable<T> UntilStopped<T>(this ChannelReader<T> reader, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken stop)
    {
        while (true)
        {
            try
            {
                if (!await reader.WaitToReadAsync(stop)) yield break;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                yield break;
            }
            while (reader.TryRead(out var item)) yield return item;
        }
    }
}
