using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Threading.Channels;
using LiveDash.LoadTests.Agent;

namespace LiveDash.Load;

/// <summary>What the admin API and the dashboard show of one agent.</summary>
public sealed record AgentView(string Name, string State, double Rps, long Errors, long InFlight, string? Run, double SecondsSinceHeard);

/// <summary>
/// One connected load agent. Messages to it go through a small queue that the load channel's own thread drains
/// (<see cref="LoadSupervisor"/>, not the thread pool, which a starving app cannot lend), so callers never wait on the
/// socket; a full queue means the agent stopped reading and it is treated as lost.
/// </summary>
public sealed class AgentConnection(string name, WebSocket socket, Action? wake = null)
{
    public const string Idle = "idle";
    public const string Running = "running";
    public const string Lost = "lost";
    public const string WarmingUpState = "warming up";

    readonly Channel<AgentMessage> _outgoing = Channel.CreateBounded<AgentMessage>(new BoundedChannelOptions(256) { SingleReader = true });
    long _lastHeard = Stopwatch.GetTimestamp();
    long _applied, _acked;
    Task? _sending;
    volatile string _state = Idle;

    public string Name { get; } = name;
    public string State => _state;
    public bool IsLost => _state == Lost;
    public string? LostReason { get; private set; }
    public long LostAt { get; private set; }

    /// <summary>The run the server gave this agent (set before the agent confirms, so two starts cannot both take it).</summary>
    public volatile string? Run;
    public long LastSecondRequests;
    public long Errors;
    public long InFlight;
    /// <summary>The agent is sending its run's warm-up load, which no figure counts.</summary>
    public volatile bool WarmingUp;

    /// <summary>
    /// The connection's socket, when the WebSocket is plain HTTP/1.1 over TCP: the load channel's thread then writes its
    /// frames straight to it. Kestrel would hand them to the socket on a thread-pool thread, which a starving app has none
    /// of for seconds; the agent would give the server up. Used only after the agent's first message (so Kestrel's 101
    /// response is surely on the wire before), and nothing else writes to the upgraded connection.
    /// </summary>
    internal System.Net.Sockets.Socket? Raw { get; init; }
    volatile bool _rawReady;

    public TimeSpan Silence => Stopwatch.GetElapsedTime(Volatile.Read(ref _lastHeard));

    public void Heard()
    {
        Volatile.Write(ref _lastHeard, Stopwatch.GetTimestamp());
        _rawReady = true;
    }

    /// <summary>A message of the agent's outbox was applied: the next <see cref="Pump"/> confirms it (<see cref="Ack"/>).</summary>
    public void Applied(long? seq)
    {
        if (seq is { } n && n > Volatile.Read(ref _applied)) Volatile.Write(ref _applied, n);
    }

    public void Update(AgentStatus status)
    {
        if (IsLost) return;
        Volatile.Write(ref LastSecondRequests, status.LastSecondRequests);
        Volatile.Write(ref Errors, status.Errors);
        Volatile.Write(ref InFlight, status.InFlight);
        WarmingUp = status.WarmingUp && status.Run is not null;
        _state = status.State == AgentStatus.Running || Run is not null ? Running : Idle;
    }

    public void Assign(string? run)
    {
        Run = run;
        if (run is null) WarmingUp = false;
        if (!IsLost) _state = run is null ? Idle : Running;
    }

    public bool Send(AgentMessage message)
    {
        if (IsLost) return false;
        if (_outgoing.Writer.TryWrite(message))
        {
            wake?.Invoke();
            return true;
        }
        MarkLost("stopped reading its messages");
        return false;
    }

    /// <returns>true the first time only.</returns>
    public bool MarkLost(string reason)
    {
        lock (this)
        {
            if (IsLost) return false;
            LostReason = reason;
            LostAt = Stopwatch.GetTimestamp();
            _state = Lost;
        }
        _outgoing.Writer.TryComplete();
        socket.Abort();
        return true;
    }

    /// <summary>
    /// On the load channel's thread: confirms what was applied, then starts sending what is queued. A send the socket
    /// did not finish at once is left to finish (the next call goes on after it); a failed one marks the agent lost.
    /// </summary>
    internal void Pump()
    {
        if (_sending is { IsCompleted: false }) return;
        if (_sending is { IsFaulted: true } failed)
        {
            MarkLost($"its connection failed ({failed.Exception!.InnerException?.Message})");
            return;
        }
        if (IsLost) return;
        // Until the agent has spoken, Kestrel may still be writing its 101 response: nothing goes out before it.
        if (Raw is not null && !_rawReady) return;
        var applied = Volatile.Read(ref _applied);
        if (applied > _acked && _outgoing.Writer.TryWrite(new Ack(applied))) _acked = applied;
        while (_outgoing.Reader.TryRead(out var message))
        {
            if (Raw is { } raw)
            {
                if (!SendRaw(raw, message.ToUtf8())) return;
                continue;
            }
            var sending = socket.SendAsync(new ArraySegment<byte>(message.ToUtf8()), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            if (sending.IsCompletedSuccessfully) continue;
            _sending = sending;
            return;
        }
    }

    /// <summary>One unmasked, unfragmented text frame (RFC 6455 5.2), written whole; false when the agent was marked lost.</summary>
    bool SendRaw(System.Net.Sockets.Socket raw, byte[] payload)
    {
        var n = payload.Length;
        var head = n < 126 ? 2 : n <= ushort.MaxValue ? 4 : 10;
        var frame = new byte[head + n];
        frame[0] = 0x81;
        if (n < 126) frame[1] = (byte)n;
        else if (n <= ushort.MaxValue)
        {
            frame[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)n);
        }
        else
        {
            frame[1] = 127;
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)n);
        }
        payload.CopyTo(frame, head);
        try
        {
            // Synchronous and bounded: the kernel takes a few KB at once; an agent that stopped reading fills its buffer.
            var sent = 0;
            while (sent < frame.Length) sent += raw.Send(frame, sent, frame.Length - sent, System.Net.Sockets.SocketFlags.None);
            return true;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            MarkLost($"its connection failed ({e.Message})");
            return false;
        }
    }

    public AgentView View() => new(Name, State == Running && WarmingUp ? WarmingUpState : State, Volatile.Read(ref LastSecondRequests), Volatile.Read(ref Errors), Volatile.Read(ref InFlight), Run, Math.Round(Silence.TotalSeconds, 1));
}

/// <summary>The agents that connected: name to connection; lost ones stay listed for a while so the dashboard can show them.</summary>
public sealed class LoadAgents
{
    /// <summary>An agent not heard from for this long, while this server could listen, is lost (it sends a heartbeat every 500 ms).</summary>
    public static readonly TimeSpan LostAfter = TimeSpan.FromSeconds(5);

    /// <summary>Lost after this long without a word, however starved this server was (the agent gave it up long before).</summary>
    public static readonly TimeSpan LostAfterAtMost = TimeSpan.FromSeconds(45);
    static readonly TimeSpan ForgetLostAfter = TimeSpan.FromMinutes(10);
    public const int MaxAgents = 64;

    readonly ConcurrentDictionary<string, AgentConnection> _agents = new(StringComparer.Ordinal);

    public LoadAgents(IHostApplicationLifetime lifetime) =>
        // Drop the agents as soon as the server starts stopping: their load stops at once, and shutdown does not wait on their sockets.
        lifetime.ApplicationStopping.Register(() =>
        {
            foreach (var agent in _agents.Values) agent.MarkLost("server stopping");
        });

    /// <summary>Null when a live agent already has the name or too many are connected.</summary>
    public AgentConnection? TryAdd(string name, WebSocket socket, System.Net.Sockets.Socket? raw = null)
    {
        var connection = new AgentConnection(name, socket, () => Wake.Set()) { Raw = raw };
        while (true)
        {
            if (_agents.TryGetValue(name, out var existing))
            {
                if (!existing.IsLost) return null;
                if (_agents.TryUpdate(name, connection, existing)) return connection;
            }
            else
            {
                if (_agents.Count(a => !a.Value.IsLost) >= MaxAgents) return null;
                if (_agents.TryAdd(name, connection)) return connection;
            }
        }
    }

    public bool IsLive(string name) => _agents.TryGetValue(name, out var a) && !a.IsLost;

    public AgentConnection? Find(string name) => _agents.TryGetValue(name, out var a) ? a : null;

    /// <summary>Set when a message is queued for an agent, so the load channel's thread sends it at once.</summary>
    internal AutoResetEvent Wake { get; } = new(false);

    public IReadOnlyList<AgentConnection> All() => _agents.Values.OrderBy(a => a.Name, StringComparer.Ordinal).ToList();

    /// <summary>
    /// Marks silent agents lost and forgets long-lost ones; returns those lost just now. Silence counts only while this
    /// server could listen (<paramref name="listening"/>: since its thread pool last ran work promptly): an agent's
    /// messages reach this code on pool threads, so a starved pool would otherwise blame the agent for its own deafness.
    /// </summary>
    public List<AgentConnection> Sweep(TimeSpan listening)
    {
        var lost = new List<AgentConnection>();
        foreach (var (name, agent) in _agents)
        {
            var silence = agent.Silence;
            var reason = silence > LostAfterAtMost ? $"silent for {LostAfterAtMost.TotalSeconds:0} s while this server was starved"
                : silence > LostAfter && listening > LostAfter ? $"silent for {LostAfter.TotalSeconds:0} s" : null;
            if (!agent.IsLost && reason is not null && agent.MarkLost(reason)) lost.Add(agent);
            else if (agent.IsLost && Stopwatch.GetElapsedTime(agent.LostAt) > ForgetLostAfter) _agents.TryRemove(new KeyValuePair<string, AgentConnection>(name, agent));
        }
        return lost;
    }
}
