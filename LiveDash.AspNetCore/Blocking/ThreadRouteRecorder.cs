using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LiveDash.AspNetCore;

/// <summary>Which endpoint each OS thread was running, and when: what a blocking capture joins its stack samples to.</summary>
interface IThreadRouteSource
{
    /// <summary>Starts keeping owners (false when this platform cannot name OS threads).</summary>
    bool Start();

    /// <summary>Stops keeping owners and returns each thread's owner changes, oldest first, in Stopwatch ticks.</summary>
    ThreadRoutes Stop();
}

/// <summary>Per OS thread, the moments its owner changed and the request it ran from each (null: none).</summary>
sealed class ThreadRoutes(Dictionary<int, (long[] At, ThreadRouteRecorder.Owner?[] Owner)> threads, bool overflowed)
{
    public static readonly ThreadRoutes Empty = new([], false);

    /// <summary>The buffer filled before the capture ended: owners after that moment are unknown.</summary>
    public bool Overflowed { get; } = overflowed;

    public int Threads => threads.Count;

    /// <summary>
    /// The request <paramref name="osThreadId"/> ran at <paramref name="timestamp"/>, or null (no request, or not seen). Read
    /// after the capture: by then most requests it saw have ended and know their route.
    /// </summary>
    public ThreadRouteRecorder.Owner? OwnerAt(int osThreadId, long timestamp)
    {
        if (!threads.TryGetValue(osThreadId, out var changes)) return null;
        var i = Array.BinarySearch(changes.At, timestamp);
        if (i < 0) i = ~i - 1;
        return i < 0 ? null : changes.Owner[i];
    }
}

/// <summary>
/// Records, only while a capture runs, each thread's owner changes. The telemetry middleware puts a <see cref="Owner"/> in an
/// <see cref="AsyncLocal{T}"/> for each request that starts during a capture; the local's change handler runs on every
/// execution-context switch of a thread into or out of such a request and appends (OS thread, time, owner) to a
/// preallocated buffer. Off, the cost is the one volatile read in <see cref="Active"/> per request.
/// </summary>
sealed class ThreadRouteRecorder : IThreadRouteSource
{
    /// <summary>About 1.5 s of owner changes at 40,000 requests/s; 24 MB, allocated per capture and dropped after it.</summary>
    internal const int Capacity = 1 << 20;

    static readonly AsyncLocal<Owner?> Current = new(OnOwnerChanged);
    static volatile ThreadRouteRecorder? _recording;

    [ThreadStatic] static int t_osThreadId;

    long[] _at = [];
    int[] _thread = [];
    Owner?[] _owner = [];
    int _next;

    /// <summary>True while a capture records: the one check each request pays when none runs.</summary>
    public static bool Active => _recording is not null;

    /// <summary>A request started during a capture: its route is set once routing has run (at the latest when it ends).</summary>
    internal sealed class Owner
    {
        public string? Route;
        /// <summary>The endpoint's handler method as the runtime names it, e.g. <c>Program+&lt;&gt;c.&lt;&lt;Main&gt;$&gt;b__0_1</c>.</summary>
        public string? Handler;
    }

    /// <summary>Called by the middleware when <see cref="Active"/>; the returned owner gets its route at the end of the request.</summary>
    internal static Owner Enter()
    {
        var owner = new Owner();
        Current.Value = owner;
        return owner;
    }

    /// <summary>The request's route template, or its path when no endpoint matched.</summary>
    internal static void Leave(Owner owner, HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        // Minimal APIs inline a small handler into their generated delegate; its MethodInfo still names it.
        if (endpoint?.Metadata.GetMetadata<MethodInfo>() is { DeclaringType: { } type } handler) owner.Handler = type.FullName + "." + handler.Name;
        owner.Route = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? endpoint?.DisplayName ?? "(no endpoint)";
    }

    public bool Start()
    {
        if (OsThreadId() == 0) return false;
        _at = new long[Capacity];
        _thread = new int[Capacity];
        _owner = new Owner?[Capacity];
        _next = 0;
        _recording = this;
        return true;
    }

    public ThreadRoutes Stop()
    {
        _recording = null;
        var count = Math.Min(Volatile.Read(ref _next), Capacity);
        var byThread = new Dictionary<int, List<(long At, Owner? Owner)>>();
        for (var i = 0; i < count; i++)
        {
            var at = Volatile.Read(ref _at[i]);
            if (at == 0) continue;   // reserved by a handler that had not written it yet
            if (!byThread.TryGetValue(_thread[i], out var list)) byThread[_thread[i]] = list = [];
            list.Add((at, _owner[i]));
        }
        var overflowed = Volatile.Read(ref _next) > Capacity;
        _at = [];
        _thread = [];
        _owner = [];
        var threads = new Dictionary<int, (long[], Owner?[])>(byThread.Count);
        foreach (var (thread, list) in byThread)
        {
            list.Sort((a, b) => a.At.CompareTo(b.At));
            threads[thread] = ([.. list.Select(c => c.At)], [.. list.Select(c => c.Owner)]);
        }
        return new ThreadRoutes(threads, overflowed);
    }

    // Runs on every context switch into or out of a request that carries an owner: must never throw (an exception here is FailFast).
    static void OnOwnerChanged(AsyncLocalValueChangedArgs<Owner?> change)
    {
        if (_recording is not { } recorder) return;
        var i = Interlocked.Increment(ref recorder._next) - 1;
        // Stop swaps the arrays out while a late handler may still run: work on one consistent set of locals.
        var (at, thread, owner) = (recorder._at, recorder._thread, recorder._owner);
        if ((uint)i >= (uint)at.Length || (uint)i >= (uint)thread.Length || (uint)i >= (uint)owner.Length) return;
        thread[i] = OsThreadId();
        owner[i] = change.CurrentValue;
        Volatile.Write(ref at[i], Stopwatch.GetTimestamp());
    }

    /// <summary>The OS id EventPipe stamps on a thread's samples; 0 where this platform gives none.</summary>
    internal static int OsThreadId()
    {
        var id = t_osThreadId;
        if (id != 0) return id;
        try
        {
            id = OperatingSystem.IsLinux() ? LinuxGettid() : OperatingSystem.IsWindows() ? (int)WindowsGetCurrentThreadId() : 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            id = 0;
        }
        return t_osThreadId = id;
    }

    [DllImport("libc", EntryPoint = "gettid")]
    static extern int LinuxGettid();

    [DllImport("kernel32", EntryPoint = "GetCurrentThreadId")]
    static extern uint WindowsGetCurrentThreadId();
}
