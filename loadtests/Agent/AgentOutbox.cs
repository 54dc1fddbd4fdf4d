using System.Threading.Channels;

namespace LiveDash.LoadTests.Agent;

/// <summary>
/// What an agent must not lose: every second it measured, every change it applied and every run's end, numbered
/// (<see cref="AgentMessage.Seq"/>) and kept until the server confirms it (<see cref="Ack"/>). A session attaches its
/// send queue: the unconfirmed messages go first, in order, then each new one as it comes. Between sessions (the
/// server lost) messages only pile up here, and the next session sends them all again. Bounded: past
/// <see cref="Capacity"/> unconfirmed messages the oldest seconds are dropped (a run's end, which carries its
/// whole-run totals, never is), and <see cref="DroppedSeconds"/> says how many.
/// </summary>
public sealed class AgentOutbox(int capacity = AgentOutbox.DefaultCapacity)
{
    /// <summary>About 17 minutes of a run's seconds (a few KB each) with nothing confirmed.</summary>
    public const int DefaultCapacity = 1024;

    readonly Lock _gate = new();
    readonly LinkedList<AgentMessage> _unconfirmed = new();
    ChannelWriter<AgentMessage>? _session;
    Action? _overflow;
    long _nextSeq;
    long _confirmed;
    long _droppedSeconds;

    public int Capacity { get; } = capacity;

    public int Count
    {
        get { lock (_gate) return _unconfirmed.Count; }
    }

    /// <summary>Highest number the server confirmed.</summary>
    public long Confirmed => Interlocked.Read(ref _confirmed);

    /// <summary>Seconds dropped unconfirmed because the outbox was full (their run's end still carries the totals).</summary>
    public long DroppedSeconds => Interlocked.Read(ref _droppedSeconds);

    /// <summary>Numbers the message, keeps it, and hands it to the session's queue when one is attached.</summary>
    public long Add(AgentMessage message)
    {
        lock (_gate)
        {
            var numbered = message with { Seq = ++_nextSeq };
            if (_unconfirmed.Count >= Capacity && _unconfirmed.FirstOrDefault(m => m is RunSecond) is { } oldest)
            {
                _unconfirmed.Remove(oldest);
                _droppedSeconds++;
            }
            _unconfirmed.AddLast(numbered);
            // A session whose queue is full has stopped sending: it is ended, and the next one sends everything again.
            if (_session is { } session && !session.TryWrite(numbered)) Overflowed();
            return numbered.Seq!.Value;
        }
    }

    /// <summary>The server applied everything up to <paramref name="through"/>.</summary>
    public void Confirm(long through)
    {
        lock (_gate)
        {
            while (_unconfirmed.First is { Value.Seq: { } seq } first && seq <= through) _unconfirmed.Remove(first);
            if (through > _confirmed) Interlocked.Exchange(ref _confirmed, through);
        }
    }

    /// <summary>A new session: every unconfirmed message is queued on <paramref name="session"/> first, then new ones as they come.</summary>
    public void Attach(ChannelWriter<AgentMessage> session, Action overflow)
    {
        lock (_gate)
        {
            _session = session;
            _overflow = overflow;
            foreach (var message in _unconfirmed)
                if (!session.TryWrite(message))
                {
                    Overflowed();
                    return;
                }
        }
    }

    public void Detach(ChannelWriter<AgentMessage> session)
    {
        lock (_gate)
            if (_session == session) (_session, _overflow) = (null, null);
    }

    /// <summary>True once nothing is left unconfirmed, or false after <paramref name="limit"/>.</summary>
    public async Task<bool> AllConfirmedAsync(TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (Count > 0)
        {
            if (DateTime.UtcNow >= until) return false;
            await Task.Delay(50);
        }
        return true;
    }

    void Overflowed()
    {
        var overflow = _overflow;
        (_session, _overflow) = (null, null);
        overflow?.Invoke();
    }
}
