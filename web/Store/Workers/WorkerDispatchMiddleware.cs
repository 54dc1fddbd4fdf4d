using System.Diagnostics;
using System.Globalization;
using LiveDash.Telemetry;

namespace LiveDash.Store.Workers;

/// <summary>
/// After routing: a store request (the store pages and their JSON twins) waits for a worker when
/// <c>workers</c> is above 0, and runs its handler there. Everything else (health, ping, dashboard,
/// admin, hub, static files) stays on the thread pool, so one can watch a frozen store.
/// </summary>
sealed class WorkerDispatchMiddleware(RequestDelegate next, WorkerPool pool)
{
    /// <summary>A request that carries this header gets a Server-Timing answer (queued, app, db), as the lecture run asks.</summary>
    public const string TimingHeader = "LiveDash-Timing";

    /// <summary>The trace span for a request's wait in the workers' queue, a child of its server span.</summary>
    public const string QueuedSpanName = "queued for a worker";

    public Task InvokeAsync(HttpContext context)
    {
        // The common case first: no workers and no lecture timing asked for, so nothing to decide about the path.
        var timing = context.Request.Headers.ContainsKey(TimingHeader);
        if ((!timing && pool.Workers == 0) || !IsStoreRequest(context)) return next(context);
        if (timing) AddServerTiming(context);
        return pool.Workers == 0 ? next(context) : DispatchAsync(context);
    }

    async Task DispatchAsync(HttpContext context)
    {
        var queuedAt = Stopwatch.GetTimestamp();
        // false: the pool went to 0 workers while this request waited; it runs here, on the thread pool.
        if (!await pool.Dispatch(context, next)) await next(context);
        TelemetryActivities.Queued(QueuedSpanName, queuedAt);
    }

    static readonly string[] StorePrefixes = ["/products", "/orders", "/api/products", "/api/orders"];

    internal static bool IsStoreRequest(HttpContext context)
    {
        if (context.GetEndpoint() is null) return false;
        var path = context.Request.Path;
        if (!path.HasValue || path.Value == "/" || path.Equals("/index", StringComparison.OrdinalIgnoreCase)) return true;
        foreach (var prefix in StorePrefixes)
            if (path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    static void AddServerTiming(HttpContext context)
    {
        if (RequestTimeline.Current is not { } timeline) return;
        var generation = timeline.Generation;
        context.Response.OnStarting(() =>
        {
            if (timeline.Generation != generation || timeline.Arrived == 0) return Task.CompletedTask;
            var now = Stopwatch.GetTimestamp();
            // From the moment the bytes reached the server: a wait for a thread-pool thread is queueing too.
            var queued = timeline.HandlerStarted == 0 ? 0 : Stopwatch.GetElapsedTime(timeline.Received, timeline.HandlerStarted).TotalMilliseconds;
            var db = Stopwatch.GetElapsedTime(0, timeline.RoundTripTicks()).TotalMilliseconds;
            var total = Stopwatch.GetElapsedTime(timeline.Received, now).TotalMilliseconds;
            var app = Math.Max(0, total - queued - db);
            context.Response.Headers["Server-Timing"] = string.Create(CultureInfo.InvariantCulture,
                $"queued;dur={queued:0.##}, app;dur={app:0.##}, db;dur={db:0.##}, total;dur={total:0.##}");
            return Task.CompletedTask;
        });
    }
}

public static class WorkerExtensions
{
    public static void AddStoreWorkers(this IServiceCollection services) => services.AddSingleton<WorkerPool>();

    /// <summary>Straight after routing and before the handler-start stamp, so a request's wait for a worker is its "queued" segment (and a store page signs in on its worker).</summary>
    public static void UseStoreWorkers(this WebApplication app)
    {
        app.Services.GetRequiredService<WorkerPool>();
        app.UseMiddleware<WorkerDispatchMiddleware>();
    }
}
