using System.Diagnostics;

namespace LiveDash.AspNetCore;

/// <summary>
/// One request's time on threads. The segments' sum comes from the timestamps the AsyncLocal change handler takes
/// as threads switch to and from the request (<see cref="ThreadSlots"/>); the split into on CPU, waiting for a CPU
/// and blocked comes from what the watchdog saw of those segments (<see cref="ThreadWatchdog"/>). Pooled with its
/// <see cref="RequestTimeline"/>.
/// </summary>
internal sealed class RequestThreadState(RequestTimeline timeline)
{
    static readonly double NsPerTick = 1e9 / Stopwatch.Frequency;

    volatile bool _open;
    long _onThreadTicks;
    // Written by the watchdog thread only; read by the request once it has closed.
    long _observedNs, _cpuNs, _runQueueNs;
    readonly long[] _blockedNs = new long[ProcThreadStat.KindCount];

    public RequestTimeline Timeline { get; } = timeline;
    public bool IsOpen => _open;
    public long OnThreadNs => (long)(Volatile.Read(ref _onThreadTicks) * NsPerTick);
    public long ObservedNs => Volatile.Read(ref _observedNs);
    public long CpuNs => Volatile.Read(ref _cpuNs);
    public long RunQueueNs => Volatile.Read(ref _runQueueNs);
    public long BlockedNs(int kind) => Volatile.Read(ref _blockedNs[kind]);

    public void Open()
    {
        _onThreadTicks = 0;
        _observedNs = _cpuNs = _runQueueNs = 0;
        Array.Clear(_blockedNs);
        _open = true;
    }

    public void Close() => _open = false;

    /// <summary>A segment ended: the thread ran this request for that many Stopwatch ticks (any thread may call it).</summary>
    public void AddOnThread(long ticks)
    {
        if (ticks > 0) Interlocked.Add(ref _onThreadTicks, ticks);
    }

    /// <summary>The watchdog's view of a stretch of a segment: wall time, and of it on CPU, on a run queue and blocked in what.</summary>
    public void AddObserved((long Wall, long Cpu, long RunQueue, long Blocked) stretch, BlockKind kind) =>
        AddObserved(stretch.Wall, stretch.Cpu, stretch.RunQueue, stretch.Blocked, kind);

    public void AddObserved(long wallNs, long cpuNs, long runQueueNs, long blockedNs, BlockKind kind)
    {
        Volatile.Write(ref _observedNs, _observedNs + wallNs);
        Volatile.Write(ref _cpuNs, _cpuNs + cpuNs);
        Volatile.Write(ref _runQueueNs, _runQueueNs + runQueueNs);
        if (blockedNs > 0) Volatile.Write(ref _blockedNs[(int)kind], _blockedNs[(int)kind] + blockedNs);
    }

    /// <summary>
    /// Time on a thread and its split, in ms: what the watchdog observed, scaled to the whole time on a thread (it
    /// misses the start of each segment, up to its period); a request it never observed counts as on CPU.
    /// </summary>
    public (double OnThread, double OnCpu, double RunQueue, double Blocked) SplitMs()
    {
        var onThread = OnThreadNs / 1e6;
        var observed = ObservedNs;
        if (observed <= 0) return (onThread, onThread, 0, 0);
        long blocked = 0;
        for (var k = 0; k < ProcThreadStat.KindCount; k++) blocked += BlockedNs(k);
        var scale = onThread / observed;
        return (onThread, CpuNs * scale, RunQueueNs * scale, blocked * scale);
    }

    /// <summary>The kind of block that took most of the blocked time, or null when nothing was blocked.</summary>
    public BlockKind? MostlyBlockedIn()
    {
        long best = 0;
        BlockKind? kind = null;
        for (var k = 0; k < ProcThreadStat.KindCount; k++)
        {
            var ns = BlockedNs(k);
            if (ns > best) { best = ns; kind = (BlockKind)k; }
        }
        return kind;
    }
}
