using System.Diagnostics;
using System.Runtime.CompilerServices;
using LiveDash.AspNetCore;

namespace LiveDash.Telemetry;

/// <summary>
/// LiveDash's part of a request's trace: ASP.NET Core's server span is moved back to the moment the
/// request's bytes reached the socket, and given children for the waits no middleware can see,
/// "waiting for a thread" (bytes received → our first middleware) and "queued for a worker".
/// </summary>
/// <remarks>
/// With no tracer listening (OTEL_EXPORTER_OTLP_ENDPOINT unset), ASP.NET Core creates no span and
/// <see cref="ActivitySource.HasListeners"/> is false: a request pays one check.
/// </remarks>
public static class TelemetryActivities
{
    public const string SourceName = "LiveDash";
    public const string WaitingForThreadName = "waiting for a thread";
    public const string QueuedForWorkerName = "queued for a worker";
    public const string WaitingToSendName = "waiting for a thread to send";
    public const string ModeAttribute = "livedash.mode";
    public const string ServerModelAttribute = "livedash.server_model";
    public const string OnThreadAttribute = "livedash.thread.on_ms";
    public const string OnCpuAttribute = "livedash.thread.cpu_ms";
    public const string BlockedAttribute = "livedash.thread.blocked_ms";
    public const string BlockedInAttribute = "livedash.thread.blocked_in";

    static readonly ActivitySource Source = new(SourceName);

    /// <summary>From our first middleware, inside ASP.NET Core's server span (when there is one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RequestArrived(RequestTimeline timeline, ILiveDashLabels labels)
    {
        if (Source.HasListeners()) Arrived(timeline, labels);
    }

    static void Arrived(RequestTimeline timeline, ILiveDashLabels labels)
    {
        if (Activity.Current is not { } server) return;
        server.SetTag(ModeAttribute, labels.Names[timeline.Mode % labels.Names.Count]);
        server.SetTag(ServerModelAttribute, labels.ModelName(labels.Model));
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

    /// <summary>After a store request came back from the workers: its wait in their queue, up to its handler starting.</summary>
    public static void QueuedForWorker(long queuedAt, RequestTimeline? timeline)
    {
        if (!Source.HasListeners() || timeline is null || timeline.HandlerStarted <= queuedAt || Activity.Current is null) return;
        Span(QueuedForWorkerName, ToUtc(queuedAt), ToUtc(timeline.HandlerStarted));
    }

    /// <summary>The current request's span, for <see cref="WaitedToSend"/> once its response has left; default when not traced.</summary>
    public static ActivityContext CurrentContext() => Source.HasListeners() && Activity.Current is { } server ? server.Context : default;

    /// <summary>
    /// The response's wait for a thread to be sent (the app handed it over → the kernel sent its last byte), measured
    /// after ASP.NET Core's span ended: a child that ends past its parent, as the client saw it. Any thread may call it.
    /// </summary>
    public static void WaitedToSend(ActivityContext parent, long handedOver, long sent)
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
