using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LiveDash.AspNetCore;

/// <summary>
/// Which request each thread runs now, and since when: one slot per thread that ever ran a measured request, in a
/// bounded table the watchdog reads. The AsyncLocal change handler of <see cref="RequestTimeline.Current"/> keeps it:
/// every call means "this thread now runs request B instead of A" (one request's continuation may run inline inside
/// another's), so it closes A's segment and opens B's with one timestamp. No syscall, no allocation (a thread's
/// first measured request registers its slot, once); it never throws, since an exception there is a FailFast.
/// </summary>
internal static class ThreadSlots
{
    public const int MaxThreads = 1024;

    internal sealed class Slot(Thread thread, int tid)
    {
        public readonly Thread Thread = thread;
        public readonly int Tid = tid;
        /// <summary>The request the thread runs now, or null; written by the thread itself only.</summary>
        public RequestThreadState? Owner;
        public long Since;
        /// <summary>Bumped at every change of owner, so the watchdog can tell one segment from the next.</summary>
        public long Segment;

        // The watchdog's own: the thread's /proc files and what it read there last.
        public SafeFileHandle? Schedstat, Syscall;
        public bool Unreadable;
        public long WatchedSegment = -1, LastAt, LastCpuNs, LastRunQueueNs;
        public BlockKind LastKind = BlockKind.OtherSyscall;
        public bool LastBlocked;
    }

    internal static readonly Slot?[] Slots = new Slot?[MaxThreads];
    static int _highWater;
    static int _active;
    [ThreadStatic] static Slot? t_slot;
    [ThreadStatic] static bool t_triedToRegister;

    /// <summary>Measurement works here: Linux, where the watchdog can read each thread's /proc files.</summary>
    public static bool Supported { get; } = OperatingSystem.IsLinux();

    /// <summary>How many slots the watchdog needs to look at.</summary>
    public static int HighWater => Volatile.Read(ref _highWater);

    /// <summary>Measured requests in flight now (the watchdog sleeps while there are none).</summary>
    public static int Active => Volatile.Read(ref _active);

    /// <summary>Before the request's timeline becomes current: its segments count from then on.</summary>
    public static void Begin(RequestThreadState state)
    {
        state.Open();
        Interlocked.Increment(ref _active);
        ThreadWatchdog.Wake();
    }

    /// <summary>At the request's end, on its last thread: closes the open segment and the request.</summary>
    public static void End(RequestThreadState state)
    {
        var slot = t_slot;
        if (slot is not null && slot.Owner == state)
        {
            var now = Stopwatch.GetTimestamp();
            state.AddOnThread(now - slot.Since);
            Switch(slot, null, now);
        }
        state.Close();
        Interlocked.Decrement(ref _active);
    }

    /// <summary>The AsyncLocal change handler of <see cref="RequestTimeline.Current"/>.</summary>
    internal static void OnChanged(AsyncLocalValueChangedArgs<RequestTimeline?> args)
    {
        try
        {
            var next = args.CurrentValue?.Threads;
            if (next is { IsOpen: false }) next = null;
            var slot = t_slot;
            if (slot is null)
            {
                if (next is null || t_triedToRegister) return;
                slot = Register();
                if (slot is null) return;
            }
            var owner = slot.Owner;
            if (owner == next) return;
            var now = Stopwatch.GetTimestamp();
            owner?.AddOnThread(now - slot.Since);
            Switch(slot, next, now);
        }
        catch
        {
            // Never: an exception thrown from an AsyncLocal handler ends the process.
        }
    }

    static void Switch(Slot slot, RequestThreadState? next, long now)
    {
        slot.Since = now;
        slot.Owner = next;
        Volatile.Write(ref slot.Segment, slot.Segment + 1);
    }

    static Slot? Register()
    {
        t_triedToRegister = true;
        if (!Supported) return null;
        var slot = new Slot(Thread.CurrentThread, GetTid());
        for (var i = 0; i < MaxThreads; i++)
        {
            if (Slots[i] is not null || Interlocked.CompareExchange(ref Slots[i], slot, null) is not null) continue;
            int high;
            while ((high = Volatile.Read(ref _highWater)) < i + 1 && Interlocked.CompareExchange(ref _highWater, i + 1, high) != high) { }
            t_slot = slot;
            return slot;
        }
        return null;
    }

    /// <summary>The watchdog frees the slots of threads that have ended (a new thread may take one).</summary>
    internal static void Free(int index) => Volatile.Write(ref Slots[index], null);

    [DllImport("libc", EntryPoint = "gettid")]
    static extern int GetTid();
}
