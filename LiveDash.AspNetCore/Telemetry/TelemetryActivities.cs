using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace LiveDash.AspNetCore;

/// <summary>
/// LiveDash's part of a request's trace: ASP.NET Core's server span is moved back to the moment the
/// request's bytes reached the socket, and given children for the waits no middleware can see,
/// "waiting for a thread" (bytes received → our first middleware), "waiting for a thread to send", and
/// any queue of the host's own (<see cref="Queued"/>).
/// </summary>
/// <remarks>
/// With no tracer listening (OTEL_EXPORTER_OTLP_ENDPOINT unset), ASP.NET Core creates no span and
/// <see cref="ActivitySource.HasListeners"/> is false: a request pays one check.
/// </remarks>
public static class TelemetryActivities
{
    /// <summary>The <see cref="ActivitySource"/> LiveDash's spans come from; a host that wires OpenTelemetry itself adds it.</summary>
    public const string SourceName = "LiveDash";

    /// <summary>The span for a request's wait for a thread before the app (bytes received → our first middleware).</summary>
    public const string WaitingForThreadName = "waiting for a thread";

    /// <summary>The span for a response's wait for a thread to be sent (handed over → its last byte sent).</summary>
    public const string WaitingToSendName = "waiting for a thread to send";

    /// <summary>The server span's attribute for the request's label (see <see cref="ILiveDashLabels.Names"/>).</summary>
    public const string ModeAttribute = "livedash.mode";

    /// <summary>The server span's attribute for the host's group (see <see cref="ILiveDashLabels.GroupName"/>).</summary>
    public const string GroupAttribute = "livedash.group";
    /// <summary>The server span's attribute for the request's time on a thread, in ms.</summary>
    public const string OnThreadAttribute = "livedash.thread.on_ms";
    /// <summary>The server span's attribute for its time on a CPU (or waiting for one), in ms.</summary>
    public const string OnCpuAttribute = "livedash.thread.cpu_ms";
    /// <summary>The server span's attribute for its time blocked on a thread, in ms.</summary>
    public const string BlockedAttribute = "livedash.thread.blocked_ms";
    /// <summary>The server span's attribute for what it was mostly blocked in (sleep, socket read, lock or wait, ...).</summary>
    public const string BlockedInAttribute = "livedash.thread.blocked_in";

    static readonly ActivitySource Source = new(SourceName);

    /// <summary>From our first middleware, inside ASP.NET Core's server span (when there is one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void RequestArrived(RequestTimeline timeline, ILiveDashLabels labels)
    {
        if (Source.HasListeners()) Arrived(timeline, labels);
    }

    static void Arrived(RequestTimeline timeline, ILiveDashLabels labels)
    {
        if (Activity.Current is not { } server) return;
        server.SetTag(ModeAttribute, labels.Names[timeline.Mode % labels.Names.Count]);
        server.SetTag(GroupAttribute, labels.GroupName(labels.Group));
        if (!timeline.ReceivedMeasured) return;
        // The wait starts with the server span: at the socket stamp when that came first (the span moves back to it).
        // When the watcher stamped the bytes after ASP.NET Core had already begun the request (no wait to see:
        // RequestTimeline clamps Received to Arrived), the span's own start is the earlier of the two, and the wait
        // (Arrived - Received, as the summary counts it) starts there too, not up to a millisecond or more inside it.
        var received = ToUtc(timeline.Received);
        if (received < server.StartTimeUtc) server.SetStartTime(received);
        else received = server.StartTimeUtc;
        Span(WaitingForThreadName, received, received + Stopwatch.GetElapsedTime(timeline.Received, timeline.Arrived));
    }

    /// <summary>At the request's end: its time on a thread, on CPU (or waiting for one) and blocked, and in what, on the server span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ThreadTime(RequestThreadState threads)
    {
        if (Source.HasListeners()) TagThreadTime(threads);
    }

    static void TagThreadTime(RequestThreadState threads)
    {
        if (Activity.Current is not { } server) return;
        var (onThread, onCpu, _, blocked) = threads.SplitMs();
        server.SetTag(OnThreadAttribute, Math.Round(onThread, 3));
        server.SetTag(OnCpuAttribute, Math.Round(onCpu, 3));
        server.SetTag(BlockedAttribute, Math.Round(blocked, 3));
        if (threads.MostlyBlockedIn() is { } kind) server.SetTag(BlockedInAttribute, ProcThreadStat.Name(kind));
    }

    /// <summary>
    /// A wait in a queue of the host's own, as a child of the current request's server span: from
    /// <paramref name="queuedAt"/> to the moment its endpoint started (see <c>UseLiveDashHandlerStart</c>).
    /// Call it once the request came back from the queue; it costs one check when nothing traces.
    /// </summary>
    /// <param name="name">The span's name, e.g. "queued for a worker".</param>
    /// <param name="queuedAt">When the request joined the queue, a <see cref="Stopwatch.GetTimestamp"/> value.</param>
    public static void Queued(string name, long queuedAt)
    {
        if (!Source.HasListeners() || RequestTimeline.Current is not { } timeline || timeline.HandlerStarted <= queuedAt || Activity.Current is null) return;
        Span(name, ToUtc(queuedAt), ToUtc(timeline.HandlerStarted));
    }

    /// <summary>The current request's span, for <see cref="WaitedToSend"/> once its response has left; default when not traced.</summary>
    internal static ActivityContext CurrentContext() => Source.HasListeners() && Activity.Current is { } server ? server.Context : default;

    /// <summary>
    /// The response's wait for a thread to be sent (the app handed it over → the kernel sent its last byte), measured
    /// after ASP.NET Core's span ended: a child that ends past its parent, as the client saw it. Any thread may call it.
    /// </summary>
    internal static void WaitedToSend(ActivityContext parent, long handedOver, long sent)
    {
        if (parent == default || sent <= handedOver || !Source.HasListeners()) return;
        var current = Activity.Current;
        var span = Source.StartActivity(WaitingToSendName, ActivityKind.Internal, parent, startTime: ToUtc(handedOver));
        span?.SetEndTime(ToUtc(sent));
        span?.Stop();
        Activity.Current = current;
    }

    /// <summary>A finished child of the current span (its parent is <see cref="Activity.Current"/>, which it restores on stopping).</summary>
    static void Span(string name, DateTime start, DateTime end)
    {
        using var span = Source.StartActivity(name, ActivityKind.Internal, parentContext: default, startTime: start);
        span?.SetEndTime(end);
    }

    static DateTime ToUtc(long timestamp) => DateTime.UtcNow - Stopwatch.GetElapsedTime(timestamp);
}
