using System.Diagnostics;
using LiveDash.LoadTests.Agent;

namespace LiveDash.Load;

/// <summary>
/// The load channel's clock, on a thread of its own: pings every agent, confirms what they sent, sends what is queued
/// for them, marks silent ones lost, closes overdue runs, publishes merged seconds. Not on the thread pool: the lesson
/// starves that pool on purpose (SyncOverAsync), and a ping that waits there for seconds makes the agent give up.
/// </summary>
public sealed class LoadSupervisor(LoadAgents agents, LoadRuns runs) : IHostedService, IDisposable
{
    static readonly TimeSpan Beat = TimeSpan.FromMilliseconds(500);
    static readonly TimeSpan TickEvery = TimeSpan.FromMilliseconds(250);
    readonly CancellationTokenSource _stop = new();
    readonly PoolProbe _probe = new();
    Thread? _thread;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "LiveDash load channel" };
        _thread.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Halt();
        return Task.CompletedTask;
    }

    /// <summary>The host may dispose it before (or without) stopping it: stopped once, and the token's handle freed only
    /// once the thread that waits on it has ended.</summary>
    public void Dispose()
    {
        Halt();
        if (_thread is not { IsAlive: true }) _stop.Dispose();
    }

    int _halted;

    void Halt()
    {
        if (Interlocked.Exchange(ref _halted, 1) == 1) return;
        _stop.Cancel();
        _thread?.Join(TimeSpan.FromSeconds(2));
    }

    void Loop()
    {
        var nextBeat = Stopwatch.GetTimestamp();
        var nextTick = nextBeat;
        WaitHandle[] wake = [_stop.Token.WaitHandle, agents.Wake];
        while (!_stop.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            _probe.Check(now);
            var beat = now >= nextBeat;
            if (beat) nextBeat = now + (long)(Beat.TotalSeconds * Stopwatch.Frequency);
            foreach (var agent in agents.All())
            {
                if (agent.IsLost) continue;
                // The agents' silence limit is 3 s; a ping every 500 ms keeps them sure the server is there.
                if (beat) agent.Send(new Ping());
                agent.Pump();
            }
            if (now >= nextTick)
            {
                nextTick = now + (long)(TickEvery.TotalSeconds * Stopwatch.Frequency);
                runs.Tick(_probe.Listening(now));
            }
            // Woken at once when a message is queued; every 50 ms otherwise, to go on with a send the socket had not finished.
            WaitHandle.WaitAny(wake, TimeSpan.FromMilliseconds(50));
        }
    }
}

/// <summary>
/// How long this server has been able to listen: a work item queued on the thread pool now and then, and when it ran.
/// A probe waiting more than <see cref="DeafAfter"/> means the pool is starved; listening starts again when it runs.
/// </summary>
sealed class PoolProbe : IThreadPoolWorkItem
{
    static readonly TimeSpan DeafAfter = TimeSpan.FromSeconds(1);
    long _queuedAt;
    long _listeningSince = Stopwatch.GetTimestamp();

    public void Check(long now)
    {
        if (Volatile.Read(ref _queuedAt) != 0) return;
        Volatile.Write(ref _queuedAt, now);
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    public void Execute()
    {
        var now = Stopwatch.GetTimestamp();
        if (Stopwatch.GetElapsedTime(Volatile.Read(ref _queuedAt), now) > DeafAfter) Volatile.Write(ref _listeningSince, now);
        Volatile.Write(ref _queuedAt, 0);
    }

    /// <summary>Zero while a probe has waited longer than <see cref="DeafAfter"/>; else the time since the pool last recovered.</summary>
    public TimeSpan Listening(long now)
    {
        var queued = Volatile.Read(ref _queuedAt);
        if (queued != 0 && Stopwatch.GetElapsedTime(queued, now) > DeafAfter) return TimeSpan.Zero;
        return Stopwatch.GetElapsedTime(Volatile.Read(ref _listeningSince), now);
    }
}
