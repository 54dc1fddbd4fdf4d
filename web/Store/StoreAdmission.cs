using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using LiveDash.Admin;
using LiveDash.AspNetCore;

namespace LiveDash.Store;

/// <summary>
/// Admission control for the store's requests (its pages and their JSON twins; never admin, dashboard, hub, health
/// or the agents' channel): the runtime's <see cref="ConcurrencyLimiter"/> lets <c>maxInFlight</c> of them work at
/// once and <c>maxQueued</c> more wait, oldest first; the rest are shed at once with 503. Both are runtime settings:
/// a change builds a new limiter for the requests that come after it, while those already in hold their place in
/// the old one until they end. Every shed request is counted (the meter's livedash.requests.shed, the tick, the summary).
/// </summary>
public sealed class StoreAdmission
{
    public const string ShedInstrument = "livedash.requests.shed";
    /// <summary>Seconds of shed counts kept for the summary (its longest window).</summary>
    const int HistorySeconds = LiveDashFeed.MaxSummarySeconds;

    sealed record Limits(ConcurrencyLimiter Limiter, int MaxInFlight, int MaxQueued);

    readonly Counter<long> _shedCounter;
    readonly long[] _shedPerSecond = new long[HistorySeconds];
    readonly long[] _secondOf = new long[HistorySeconds];
    readonly Lock _secondLock = new();
    volatile Limits _limits;
    long _shedTotal;
    long _lastTickShed, _lastTickAt;

    public StoreAdmission(RuntimeSettings settings, IMeterFactory meters)
    {
        _limits = Build(settings.Current);
        _shedCounter = meters.Create(LiveDashFeed.MeterName).CreateCounter<long>(ShedInstrument, "{request}",
            "Store requests refused with 503 because maxInFlight were at work and maxQueued waiting");
        settings.Changed += change =>
        {
            if (change.Field is not ("maxInFlight" or "maxQueued")) return;
            var current = settings.Current;
            if (current.MaxInFlight != _limits.MaxInFlight || current.MaxQueued != _limits.MaxQueued) _limits = Build(current);
        };
    }

    static Limits Build(SettingsSnapshot s) => new(new ConcurrencyLimiter(new ConcurrencyLimiterOptions
    {
        PermitLimit = s.MaxInFlight,
        QueueLimit = s.MaxQueued,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    }), s.MaxInFlight, s.MaxQueued);

    public ConcurrencyLimiter Limiter => _limits.Limiter;

    public long ShedTotal => Interlocked.Read(ref _shedTotal);

    public void CountShed()
    {
        Interlocked.Increment(ref _shedTotal);
        _shedCounter.Add(1);
        var second = Stopwatch.GetTimestamp() / Stopwatch.Frequency;
        var slot = (int)(second % HistorySeconds);
        if (Volatile.Read(ref _secondOf[slot]) != second)
            lock (_secondLock)
                if (_secondOf[slot] != second)
                {
                    _shedPerSecond[slot] = 0;
                    Volatile.Write(ref _secondOf[slot], second);
                }
        Interlocked.Increment(ref _shedPerSecond[slot]);
    }

    /// <summary>Requests shed in the last <paramref name="seconds"/> seconds (the current one included).</summary>
    public long ShedInLast(int seconds)
    {
        var now = Stopwatch.GetTimestamp() / Stopwatch.Frequency;
        long sum = 0;
        lock (_secondLock)
            for (var i = 0; i < HistorySeconds; i++)
                if (_secondOf[i] > now - Math.Clamp(seconds, 1, HistorySeconds)) sum += Interlocked.Read(ref _shedPerSecond[i]);
        return sum;
    }

    /// <summary>For the tick (one caller, 4×/s): shed per second since the last call, and [in flight, max, queued, max].</summary>
    public (double ShedPerSecond, int[] State) TickFigures()
    {
        var now = Stopwatch.GetTimestamp();
        var total = ShedTotal;
        var seconds = _lastTickAt == 0 ? 0 : Stopwatch.GetElapsedTime(_lastTickAt, now).TotalSeconds;
        var rate = seconds > 0 ? (total - _lastTickShed) / seconds : 0;
        (_lastTickShed, _lastTickAt) = (total, now);
        var limits = _limits;
        var statistics = limits.Limiter.GetStatistics();
        var inFlight = statistics is null ? 0 : limits.MaxInFlight - (int)statistics.CurrentAvailablePermits;
        var queued = statistics is null ? 0 : (int)statistics.CurrentQueuedCount;
        return (Math.Round(rate, 1), [inFlight, limits.MaxInFlight, queued, limits.MaxQueued]);
    }
}

/// <summary>Straight after routing: a store request takes a place (or waits for one, or is shed) before it queues for a worker or runs.</summary>
sealed class StoreAdmissionMiddleware(RequestDelegate next, StoreAdmission admission)
{
    const string ShedMessage = "The store is at its limit of requests in flight and in queue; this one was refused at once. Try again in a second.";

    public Task InvokeAsync(HttpContext context)
    {
        if (!Workers.WorkerDispatchMiddleware.IsStoreRequest(context)) return next(context);
        var limiter = admission.Limiter;
        var lease = limiter.AttemptAcquire();
        if (lease.IsAcquired) return RunAsync(context, lease);
        lease.Dispose();
        return WaitAsync(context, limiter);
    }

    async Task RunAsync(HttpContext context, RateLimitLease lease)
    {
        using (lease) await next(context);
    }

    async Task WaitAsync(HttpContext context, ConcurrencyLimiter limiter)
    {
        RateLimitLease lease;
        try
        {
            lease = await limiter.AcquireAsync(1, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;   // the client left while waiting: nothing to answer
        }
        using (lease)
        {
            if (lease.IsAcquired)
            {
                await next(context);
                return;
            }
        }
        admission.CountShed();
        await ShedAsync(context);
    }

    static Task ShedAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "1";
        if (Site.ApiProblem.IsApiPath(context.Request.Path))
            return Site.ApiProblem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "overloaded: " + ShedMessage, "load");
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync($$"""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>503 · LiveDash</title>
            <link rel="stylesheet" href="/css/site.css"></head><body><main class="container">
            <h1>Too busy</h1><p>{{ShedMessage}}</p>
            </main></body></html>
            """);
    }
}

public static class StoreAdmissionExtensions
{
    public static void UseStoreAdmission(this WebApplication app) => app.UseMiddleware<StoreAdmissionMiddleware>();
}
