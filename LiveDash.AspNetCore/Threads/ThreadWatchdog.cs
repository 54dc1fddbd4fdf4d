using System.Diagnostics;
using System.Runtime.InteropServices;

namespace LiveDash.AspNetCore;

/// <summary>
/// One dedicated thread (never a pool thread: it must not wait in the queue of a pool that may be starving) that,
/// every 20 ms while measured requests are in flight, reads /proc/self/task/TID/schedstat and /syscall of each thread
/// inside a request segment, and adds to that request what the thread did since the last look: on CPU, waiting for
/// a CPU, or blocked, and in what. It sleeps while no request is in flight. One per process: the slot table it
/// reads is the process's.
/// </summary>
internal static class ThreadWatchdog
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(20);
    static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(2);
    static readonly double NsPerTick = 1e9 / Stopwatch.Frequency;
    static readonly Architecture Machine = RuntimeInformation.ProcessArchitecture;
    static readonly AutoResetEvent Wakeup = new(false);
    static int _started;
    static int _idle;
    static long _passes;

    /// <summary>Passes made since the process started (for tests).</summary>
    public static long Passes => Volatile.Read(ref _passes);

    public static void EnsureStarted()
    {
        if (!ThreadSlots.Supported || Interlocked.Exchange(ref _started, 1) == 1) return;
        new Thread(Loop) { IsBackground = true, Name = "LiveDash thread-time watchdog" }.Start();
    }

    /// <summary>A request began: wakes the watchdog if it sleeps (one read when it does not).</summary>
    public static void Wake()
    {
        if (Volatile.Read(ref _idle) == 1 && Interlocked.Exchange(ref _idle, 0) == 1) Wakeup.Set();
    }

    static void Loop()
    {
        var buffer = new byte[128];
        var lastSweep = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                if (ThreadSlots.Active == 0)
                {
                    Interlocked.Exchange(ref _idle, 1);
                    if (ThreadSlots.Active == 0) Wakeup.WaitOne(SweepEvery);
                    Interlocked.Exchange(ref _idle, 0);
                }
                else
                {
                    Thread.Sleep(Period);
                }
                Pass(buffer);
                if (Stopwatch.GetElapsedTime(lastSweep) >= SweepEvery)
                {
                    Sweep();
                    lastSweep = Stopwatch.GetTimestamp();
                }
            }
            catch (Exception)
            {
                // A thread gone between two reads, or /proc unreadable: the next pass starts over.
            }
        }
    }

    static void Pass(byte[] buffer)
    {
        Interlocked.Increment(ref _passes);
        var slots = ThreadSlots.Slots;
        var high = ThreadSlots.HighWater;
        for (var i = 0; i < high; i++)
        {
            var slot = Volatile.Read(ref slots[i]);
            if (slot is null || slot.Unreadable) continue;
            var segment = Volatile.Read(ref slot.Segment);
            var owner = Volatile.Read(ref slot.Owner);
            if (owner is null || !owner.IsOpen || !Read(slot, buffer, out var cpuNs, out var runQueueNs, out var syscall))
            {
                slot.WatchedSegment = -1;
                continue;
            }
            var now = Stopwatch.GetTimestamp();
            if (Volatile.Read(ref slot.Segment) != segment)
            {
                slot.WatchedSegment = -1;   // the thread moved on while we read: nothing to attribute
                continue;
            }
            var running = syscall is ProcThreadStat.Running or ProcThreadStat.NoSyscall;
            var kind = running ? slot.LastKind : Kind(syscall, owner);
            if (slot.WatchedSegment == segment) owner.AddObserved(Split((long)((now - slot.LastAt) * NsPerTick),
                cpuNs - slot.LastCpuNs, runQueueNs - slot.LastRunQueueNs, running, slot.LastBlocked), kind);
            slot.LastBlocked = !running;
            slot.WatchedSegment = segment;
            slot.LastAt = now;
            slot.LastCpuNs = cpuNs;
            slot.LastRunQueueNs = runQueueNs;
            slot.LastKind = kind;
        }
    }

    /// <summary>
    /// A stretch between two looks: wall time, and of it on a CPU, waiting for a CPU and blocked. The kernel adds a
    /// thread's wait on a run queue only once the thread gets a CPU, and its CPU time only at a scheduler tick, so a
    /// thread runnable now ("running" in /syscall) was not blocked for the part its counters do not yet show: it
    /// waited for a CPU, unless the last look saw it blocked (then it was blocked until it woke). A thread blocked
    /// now was blocked for all the time its counters do not account for.
    /// </summary>
    internal static (long Wall, long Cpu, long RunQueue, long Blocked) Split(long wall, long cpu, long runQueue, bool runningNow, bool blockedBefore)
    {
        cpu = Math.Max(0, cpu);
        runQueue = Math.Max(0, runQueue);
        wall = Math.Max(wall, cpu + runQueue);
        var rest = wall - cpu - runQueue;
        if (runningNow && !blockedBefore) return (wall, cpu, runQueue + rest, 0);
        return (wall, cpu, runQueue, rest);
    }

    /// <summary>A wait in a futex or a poll while the request's database round trip is open is the database's.</summary>
    static BlockKind Kind(int syscall, RequestThreadState owner)
    {
        var kind = ProcThreadStat.KindOf(syscall, Machine);
        return kind is BlockKind.LockOrWait or BlockKind.Poll && owner.Timeline.InRoundTrip ? BlockKind.DatabaseWait : kind;
    }

    static bool Read(ThreadSlots.Slot slot, byte[] buffer, out long cpuNs, out long runQueueNs, out int syscall)
    {
        cpuNs = runQueueNs = 0;
        syscall = ProcThreadStat.NoSyscall;
        try
        {
            // Opened once per thread and re-read from offset 0: /proc regenerates the text at every read from the start.
            slot.Schedstat ??= File.OpenHandle($"/proc/self/task/{slot.Tid}/schedstat");
            slot.Syscall ??= File.OpenHandle($"/proc/self/task/{slot.Tid}/syscall");
            var n = RandomAccess.Read(slot.Schedstat, buffer, 0);
            if (!ProcThreadStat.TryParseSchedstat(buffer.AsSpan(0, n), out cpuNs, out runQueueNs)) return false;
            n = RandomAccess.Read(slot.Syscall, buffer, 0);
            syscall = ProcThreadStat.ParseSyscall(buffer.AsSpan(0, n));
            return true;
        }
        catch (Exception) when (slot.Thread.IsAlive)
        {
            slot.Unreadable = true;   // e.g. /proc mounted without access to our own tasks' files
            return false;
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>Frees the slots of threads that have ended (the pool retires idle threads), closing their files.</summary>
    static void Sweep()
    {
        var slots = ThreadSlots.Slots;
        var high = ThreadSlots.HighWater;
        for (var i = 0; i < high; i++)
        {
            var slot = Volatile.Read(ref slots[i]);
            if (slot is null || slot.Thread.IsAlive) continue;
            slot.Schedstat?.Dispose();
            slot.Syscall?.Dispose();
            ThreadSlots.Free(i);
        }
    }
}
