using System.Collections.Concurrent;
using System.Threading.Channels;

namespace LiveDash.Farm;

/// <summary>The last minute of farm frames, and each new one handed to every farm panel's own bounded queue (oldest dropped when full).</summary>
public sealed class FarmBroadcaster
{
    public const int HistoryLength = 240;   // 60 s at 4 Hz

    readonly FarmFrame?[] _history = new FarmFrame?[HistoryLength];
    readonly ConcurrentDictionary<Channel<FarmFrame>, byte> _subscribers = new();
    readonly Lock _lock = new();
    int _next, _count;

    public void Publish(FarmFrame frame)
    {
        lock (_lock)
        {
            _history[_next] = frame;
            _next = (_next + 1) % HistoryLength;
            _count = Math.Min(_count + 1, HistoryLength);
            foreach (var subscriber in _subscribers.Keys) subscriber.Writer.TryWrite(frame);
        }
    }

    public ChannelReader<FarmFrame> Subscribe(out Action unsubscribe)
    {
        var channel = Channel.CreateBounded<FarmFrame>(new BoundedChannelOptions(HistoryLength + 16)
        { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = false });
        lock (_lock)
        {
            for (var i = 0; i < _count; i++) channel.Writer.TryWrite(_history[(_next - _count + i + HistoryLength) % HistoryLength]!);
            _subscribers.TryAdd(channel, 0);
        }
        unsubscribe = () => _subscribers.TryRemove(channel, out _);
        return channel.Reader;
    }
}
