using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Options;

namespace LiveDash.AspNetCore;

/// <summary>
/// Time on a thread per endpoint: each completed request adds to its endpoint's running totals (a few interlocked
/// adds; the endpoint is found by reference), and each tick takes the difference since the last one, for the busiest
/// <see cref="LiveDashOptions.ThreadTimeRoutes"/> endpoints and "other".
/// </summary>
internal sealed class EndpointThreadTime
{
    /// <summary>Endpoints kept apart; the app's route table is bounded, but a dynamic one need not be.</summary>
    public const int MaxEndpoints = 256;
    public const string Other = "other";
    public const string NoRoute = "(no route)";
    const int Fields = 4 + ProcThreadStat.KindCount;   // requests, in app, on thread, observed, blocked by kind; then cpu, run queue
    const int Cpu = Fields, RunQueue = Fields + 1, All = Fields + 2;

    sealed class Totals(string route)
    {
        public readonly string Route = route;
        public readonly long[] Sums = new long[All];   // running totals, ns (requests as a count)
        public readonly long[] Taken = new long[All];  // as of the last tick
    }

    readonly ConcurrentDictionary<Endpoint, Totals> _byEndpoint = new();
    readonly Totals _noRoute = new(NoRoute);
    readonly Totals _overflow = new(Other);
    readonly TelemetryInstruments? _instruments;

    public EndpointThreadTime(IOptions<LiveDashOptions> options, TelemetryInstruments? instruments = null)
    {
        var o = options.Value;
        Measuring = o.Enabled && o.MeasureThreadTime && ThreadSlots.Supported;
        Routes = Math.Clamp(o.ThreadTimeRoutes, 1, 64);
        _instruments = instruments;
        if (Measuring) ThreadWatchdog.EnsureStarted();
    }

    /// <summary>On (the option) and possible here (Linux).</summary>
    public bool Measuring { get; }
    public int Routes { get; }

    /// <summary>After <see cref="ThreadSlots.End"/>: adds the request to its endpoint's totals.</summary>
    public void Record(RequestTimeline timeline, HttpContext? context)
    {
        var totals = For(timeline.Endpoint ?? context?.GetEndpoint());
        var state = timeline.Threads;
        var sums = totals.Sums;
        var onThread = state.OnThreadNs;
        Interlocked.Increment(ref sums[0]);
        Interlocked.Add(ref sums[1], (long)Stopwatch.GetElapsedTime(timeline.Arrived, timeline.Ended).TotalNanoseconds);
        Interlocked.Add(ref sums[2], onThread);
        var observed = state.ObservedNs;
        long blocked = 0;
        if (observed > 0)
        {
            Interlocked.Add(ref sums[3], observed);
            Interlocked.Add(ref sums[Cpu], state.CpuNs);
            Interlocked.Add(ref sums[RunQueue], state.RunQueueNs);
            for (var k = 0; k < ProcThreadStat.KindCount; k++)
            {
                var ns = state.BlockedNs(k);
                if (ns == 0) continue;
                blocked += ns;
                Interlocked.Add(ref sums[4 + k], ns);
            }
        }
        if (_instruments is { } instruments)
            instruments.ThreadTime(totals.Route, onThread, observed > 0 ? (long)(blocked * ((double)onThread / observed)) : 0);
    }

    Totals For(Endpoint? endpoint)
    {
        if (endpoint is null) return _noRoute;
        if (_byEndpoint.TryGetValue(endpoint, out var totals)) return totals;
        if (_byEndpoint.Count >= MaxEndpoints) return _overflow;
        return _byEndpoint.GetOrAdd(endpoint, e => new Totals(RouteOf(e)));
    }

    /// <summary>The route pattern ("/orders/{id}"), never the raw path; an endpoint with none is named by its display name.</summary>
    internal static string RouteOf(Endpoint endpoint)
    {
        var route = endpoint is RouteEndpoint { RoutePattern: RoutePattern { RawText: { } raw } }
            ? (raw.StartsWith('/') ? raw : "/" + raw)
            : endpoint.DisplayName ?? NoRoute;
        return route.Length > TelemetryRecorder.MaxRouteLength ? route[..TelemetryRecorder.MaxRouteLength] : route;
    }

    /// <summary>The tick's share: the busiest endpoints by time on a thread, then by requests, and the rest as "other"; null when none completed a request.</summary>
    public EndpointTick[]? Collect()
    {
        if (!Measuring) return null;
        List<(string Route, long[] Delta)>? taken = null;
        foreach (var totals in _byEndpoint.Values.Append(_noRoute).Append(_overflow))
        {
            var delta = new long[All];
            for (var i = 0; i < All; i++)
            {
                var now = Volatile.Read(ref totals.Sums[i]);
                delta[i] = now - totals.Taken[i];
                totals.Taken[i] = now;
            }
            if (delta[0] > 0) (taken ??= []).Add((totals.Route, delta));
        }
        if (taken is null) return null;
        taken.Sort((a, b) => b.Delta[2] != a.Delta[2] ? b.Delta[2].CompareTo(a.Delta[2]) : b.Delta[0].CompareTo(a.Delta[0]));
        var shown = new List<EndpointTick>(Math.Min(taken.Count, Routes + 1));
        long[]? rest = null;
        foreach (var (route, delta) in taken)
        {
            if (shown.Count < Routes && route != Other) { shown.Add(Tick(route, delta)); continue; }
            rest ??= new long[All];
            for (var i = 0; i < All; i++) rest[i] += delta[i];
        }
        if (rest is not null) shown.Add(Tick(Other, rest));
        return [.. shown];
    }

    /// <summary>
    /// Sums in ms. What the watchdog observed is scaled to the whole time on a thread; an endpoint none of whose time
    /// was observed (segments shorter than the watchdog's period) counts it as on CPU.
    /// </summary>
    internal static EndpointTick Tick(string route, long[] d)
    {
        var onThread = d[2] / 1e6;
        var awaiting = Math.Max(0, d[1] / 1e6 - onThread);
        if (d[3] <= 0) return new EndpointTick(route, d[0], R(onThread), R(onThread), 0, 0, R(awaiting), null);
        var scale = onThread / d[3];
        Dictionary<string, double>? by = null;
        double blocked = 0;
        for (var k = 0; k < ProcThreadStat.KindCount; k++)
        {
            if (d[4 + k] <= 0) continue;
            var ms = d[4 + k] * scale;
            blocked += ms;
            (by ??= [])[ProcThreadStat.Name((BlockKind)k)] = R(ms);
        }
        return new EndpointTick(route, d[0], R(onThread), R(d[Cpu] * scale), R(d[RunQueue] * scale), R(blocked), R(awaiting), by);
    }

    static double R(double ms) => Math.Round(ms, 3);
}
