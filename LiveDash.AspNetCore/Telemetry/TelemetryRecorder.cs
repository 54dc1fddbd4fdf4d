using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace LiveDash.AspNetCore;

/// <summary>
/// The hot path's side of telemetry: lock-free counters, per-label histograms and a reservoir sample
/// of completed requests, swapped out whole by the aggregator every tick.
/// </summary>
internal sealed class TelemetryRecorder
{
    public const int WaterfallSize = 100;
    public int ModeCount { get; }
    public const int MaxRouteLength = 48;
    public const int MaxRoundTripsShown = 4;
    const int MaxPendingClientTicks = 32;
    const int MaxPendingChanges = 16;
    static readonly double MicrosecondsPerTick = 1_000_000.0 / Stopwatch.Frequency;

    public sealed class Window(int labels)
    {
        /// <summary>End-to-end latency per label: bytes received at the socket → response sent.</summary>
        public LatencyHistogram[] EndToEnd { get; } = [.. Enumerable.Range(0, labels).Select(_ => new LatencyHistogram())];
        /// <summary>In-app latency per label: our first middleware → response done.</summary>
        public LatencyHistogram[] InApp { get; } = [.. Enumerable.Range(0, labels).Select(_ => new LatencyHistogram())];
        /// <summary>Waiting for a thread before the app (bytes received → our first middleware), where measured.</summary>
        public LatencyHistogram WaitForThread { get; } = new();
        /// <summary>Waiting for a thread to send the response (the app handed it over → its last byte sent), where measured.</summary>
        public LatencyHistogram WaitToSend { get; } = new();
        public WaterfallEntry?[] Samples { get; } = new WaterfallEntry?[WaterfallSize];
        internal long Seen;
        internal long Measured;

        public long MeasuredCount => Volatile.Read(ref Measured);

        internal void Reset()
        {
            foreach (var h in EndToEnd) h.Reset();
            foreach (var h in InApp) h.Reset();
            WaitForThread.Reset();
            WaitToSend.Reset();
            Array.Clear(Samples);
            Volatile.Write(ref Seen, 0);
            Volatile.Write(ref Measured, 0);
        }
    }

    readonly TelemetryInstruments? instruments;
    Window _current;
    Window _spare;
    long _ok;
    long _errors;
    long _inFlight;
    long _total;
    readonly long[] _requestsByMode;
    readonly ConcurrentQueue<ClientTick> _clientTicks = new();
    readonly ConcurrentQueue<ChangeMessage> _changes = new();

    /// <param name="labelCount">How many request labels are kept apart (see <see cref="ILiveDashLabels"/>); 1 to <see cref="LiveDashLabels.MaxLabels"/>.</param>
    /// <param name="instruments">The per-request histograms and counters on meter "LiveDash" (OpenTelemetry, dotnet-counters).</param>
    public TelemetryRecorder(int labelCount = 1, TelemetryInstruments? instruments = null)
    {
        ModeCount = Math.Clamp(labelCount, 1, LiveDashLabels.MaxLabels);
        this.instruments = instruments;
        _current = new Window(ModeCount);
        _spare = new Window(ModeCount);
        _requestsByMode = new long[ModeCount];
    }

    public long InFlight => Volatile.Read(ref _inFlight);
    public long Total => Volatile.Read(ref _total);

    public void RequestStarted() => Interlocked.Increment(ref _inFlight);

    /// <summary>A request is done: counted out, and its figures into the current second.</summary>
    /// <param name="timeline">The request's timeline.</param>
    /// <param name="context">The request, for its route and labels; null for a request of the host's own.</param>
    /// <param name="endToEndLater">The connection's <see cref="ArrivalWatcher"/> records end to end once the response has left.</param>
    /// <param name="threadTime">The request's time on a thread was measured (see <see cref="ThreadSlots"/>).</param>
    public void RequestCompleted(RequestTimeline timeline, HttpContext? context, bool endToEndLater = false, bool threadTime = false)
    {
        var window = Volatile.Read(ref _current);
        var mode = timeline.Mode % ModeCount;
        window.InApp[mode].Record(Microseconds(timeline.Ended - timeline.Arrived));
        if (!endToEndLater) RecordEndToEnd(window, mode, timeline.Ended - timeline.Received, timeline.Arrived - timeline.Received, 0, timeline.ReceivedMeasured);
        Interlocked.Increment(ref _requestsByMode[mode]);
        var failed = timeline.Failed || timeline.Status >= 500;
        if (failed) Interlocked.Increment(ref _errors);
        else Interlocked.Increment(ref _ok);
        instruments?.RequestCompleted(timeline.Mode, failed);
        Interlocked.Increment(ref _total);
        Interlocked.Decrement(ref _inFlight);

        // Reservoir sampling (Algorithm R): every request completed in this tick has the same chance to be shown.
        var seen = Interlocked.Increment(ref window.Seen);
        var slot = seen <= WaterfallSize ? seen - 1 : Random.Shared.NextInt64(seen);
        if (slot < WaterfallSize) Volatile.Write(ref window.Samples[slot], Sample(timeline, context, threadTime));
    }

    /// <summary>
    /// A response has left: bytes received → response sent, and of that the time spent outside the app
    /// waiting for a thread, before it and to send the response, in Stopwatch ticks.
    /// <c>measured</c>: whether the arrival was seen at the socket (else it counts from our first middleware).
    /// </summary>
    public void RecordEndToEnd(int mode, long endToEndTicks, long waitTicks, long sendWaitTicks, bool measured) =>
        RecordEndToEnd(Volatile.Read(ref _current), mode % ModeCount, endToEndTicks, waitTicks, sendWaitTicks, measured);

    void RecordEndToEnd(Window window, int mode, long endToEndTicks, long waitTicks, long sendWaitTicks, bool measured)
    {
        var endToEnd = Microseconds(endToEndTicks);
        window.EndToEnd[mode].Record(endToEnd);
        if (!measured)
        {
            instruments?.EndToEnd(mode, endToEnd);
            return;
        }
        var wait = Microseconds(waitTicks);
        var sendWait = Microseconds(sendWaitTicks);
        instruments?.EndToEnd(mode, endToEnd, wait, sendWait);
        window.WaitForThread.Record(wait);
        window.WaitToSend.Record(sendWait);
        Interlocked.Increment(ref window.Measured);
    }

    /// <summary>
    /// Takes this tick's window and counts, leaving fresh ones for the requests still arriving. The
    /// counts are exact; a request racing the swap may land its latency in the window just taken and
    /// be missed by the percentiles, which is fine for them.
    /// </summary>
    public (Window Window, long Ok, long Errors, long[] RequestsByMode) Swap()
    {
        var fresh = _spare;
        fresh.Reset();
        var taken = Interlocked.Exchange(ref _current, fresh);
        _spare = taken;
        var byMode = new long[ModeCount];
        for (var i = 0; i < ModeCount; i++) byMode[i] = Interlocked.Exchange(ref _requestsByMode[i], 0);
        return (taken, Interlocked.Exchange(ref _ok, 0), Interlocked.Exchange(ref _errors, 0), byMode);
    }

    /// <returns>false when too many are already waiting for the next tick (the extra is dropped).</returns>
    public bool AddClientTick(ClientTick tick)
    {
        if (_clientTicks.Count >= MaxPendingClientTicks) return false;
        _clientTicks.Enqueue(tick);
        return true;
    }

    public void AddChange(ChangeMessage change)
    {
        if (_changes.Count < MaxPendingChanges) _changes.Enqueue(change);
    }

    public ClientTick[]? TakeClientTicks() => Drain(_clientTicks);
    public ChangeMessage[]? TakeChanges() => Drain(_changes);

    static T[]? Drain<T>(ConcurrentQueue<T> queue)
    {
        if (queue.IsEmpty) return null;
        var list = new List<T>();
        while (queue.TryDequeue(out var item)) list.Add(item);
        return [.. list];
    }

    public static long Microseconds(long stopwatchTicks) => (long)(stopwatchTicks * MicrosecondsPerTick);

    static double Ms(long stopwatchTicks) => Math.Round(stopwatchTicks * MicrosecondsPerTick / 1000.0, 2);

    static WaterfallEntry Sample(RequestTimeline t, HttpContext? context, bool threadTime)
    {
        var shown = Math.Min(t.RoundTrips, MaxRoundTripsShown);
        var db = new double[shown * 2];
        var labels = new string[shown];
        for (var i = 0; i < shown; i++)
        {
            var (start, end, label) = t.RoundTrip(i);
            db[2 * i] = Ms(start - t.Arrived);
            db[2 * i + 1] = Ms((end == 0 ? t.Ended : end) - t.Arrived);
            labels[i] = label;
        }
        var (onThread, onCpu, runQueue, blocked) = threadTime ? t.Threads.SplitMs() : default;
        return new WaterfallEntry
        {
            ArrivedTimestamp = t.Arrived,
            WaitForThread = t.ReceivedMeasured ? Ms(t.Arrived - t.Received) : 0,
            BeforeServer = t.BeforeServerMs < 0 ? null : Math.Round(t.BeforeServerMs, 2),
            Queued = t.HandlerStarted == 0 ? 0 : Ms(t.HandlerStarted - t.Arrived),
            Total = Ms(t.Ended - t.Arrived),
            Status = t.Status,
            Mode = t.Mode,
            Route = RouteOf(t.Endpoint, context),
            Db = db,
            LabelNames = labels,
            OnThread = threadTime ? Math.Round(onThread, 2) : null,
            OnCpu = threadTime ? Math.Round(onCpu + runQueue, 2) : null,
            Blocked = threadTime ? Math.Round(blocked, 2) : null,
        };
    }

    static string RouteOf(Endpoint? endpoint, HttpContext? context)
    {
        if (context is null) return "";
        var route = (endpoint ?? context.GetEndpoint()) is RouteEndpoint { RoutePattern: RoutePattern pattern } && pattern.RawText is { } raw
            ? (raw.StartsWith('/') ? raw : "/" + raw)
            : context.Request.Path.Value ?? "/";
        return route.Length > MaxRouteLength ? route[..MaxRouteLength] : route;
    }
}
