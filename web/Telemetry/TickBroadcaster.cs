using System.Collections.Concurrent;
using System.Threading.Channels;

namespace LiveDash.Telemetry;

/// <summary>
/// Keeps the last minute of ticks and hands every new tick to each dashboard's own bounded queue.
/// Publishing never waits on a dashboard: a full queue drops its oldest tick and counts the drop.
/// </summary>
public sealed class TickBroadcaster
{
    public const int HistoryLength = 240;                          // 60 s at 4 Hz
    public const int ClientQueueCapacity = HistoryLength + 16;     // the backlog plus a few seconds of slack
    const int FullDetailBacklog = 8;                               // older backlog ticks go without their waterfall

    readonly Tick?[] _history = new Tick?[HistoryLength];
    readonly ConcurrentDictionary<TickSubscription, byte> _subscribers = new();
    readonly Lock _lock = new();
    int _next;
    int _count;
    Tick? _latest;

    public Tick? Latest => Volatile.Read(ref _latest);
    public int SubscriberCount => _subscribers.Count;
    public IEnumerable<TickSubscription> Subscribers => _subscribers.Keys;

    public void Publish(Tick tick)
    {
        lock (_lock)
        {
            _history[_next] = tick;
            _next = (_next + 1) % HistoryLength;
            _count = Math.Min(_count + 1, HistoryLength);
            Volatile.Write(ref _latest, tick);
            foreach (var subscriber in _subscribers.Keys) subscriber.Offer(tick);
        }
    }

    /// <summary>A queue that starts with the last minute of ticks and then gets each new one.</summary>
    public TickSubscription Subscribe()
    {
        var subscription = new TickSubscription(ClientQueueCapacity);
        lock (_lock)
        {
            for (var i = 0; i < _count; i++)
            {
                var tick = _history[(_next - _count + i + HistoryLength) % HistoryLength]!;
                subscription.Offer(i < _count - FullDetailBacklog ? tick with { Waterfall = null } : tick);
            }
            _subscribers.TryAdd(subscription, 0);
        }
        return subscription;
    }

    public void Unsubscribe(TickSubscription subscription) => _subscribers.TryRemove(subscription, out _);
}

public sealed class TickSubscription
{
    readonly Channel<Tick> _queue;
    long _dropped;

    public TickSubscription(int capacity)
    {
        _queue = Channel.CreateBounded<Tick>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = false },
            _ => Interlocked.Increment(ref _dropped));
    }

    public ChannelReader<Tick> Reader => _queue.Reader;
    public long Dropped => Volatile.Read(ref _dropped);
    public int Queued => _queue.Reader.Count;

    internal void Offer(Tick tick) => _queue.Writer.TryWrite(tick);
}
