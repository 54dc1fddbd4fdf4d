using System.Diagnostics;
using LiveDash.Admin;
using Microsoft.Extensions.ObjectPool;

namespace LiveDash.Telemetry;

/// <summary>
/// The first middleware: stamps the request's arrival, makes its <see cref="RequestTimeline"/> current
/// for the database observer, and records it when the response is done.
/// </summary>
/// <remarks>
/// "Arrival" is when this middleware runs, i.e. after Kestrel has read the request and a thread-pool
/// thread has picked it up. When the pool is starved the wait for that thread happens before us and
/// cannot be seen from inside the app; it shows as queued work items and as the gap between client
/// and server latency. The "queued" segment we can measure is arrival → endpoint start (routing,
/// authentication, and any thread hop in between).
/// </remarks>
sealed class TelemetryMiddleware(RequestDelegate next, TelemetryRecorder recorder, RuntimeSettings settings)
{
    static readonly ObjectPool<RequestTimeline> Pool = new DefaultObjectPool<RequestTimeline>(new RequestTimeline.Policy(), 1024);

    public async Task InvokeAsync(HttpContext context)
    {
        // The hub's own connection lasts as long as a dashboard stays open; it is not a request to measure.
        if (context.Request.Path.StartsWithSegments(TelemetryExtensions.HubPath))
        {
            await next(context);
            return;
        }
        var timeline = Pool.Get();
        timeline.Start(Stopwatch.GetTimestamp(), settings.Current.Mode);
        RequestTimeline.Current = timeline;
        recorder.RequestStarted();
        var failed = false;
        try
        {
            await next(context);
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            timeline.Finish(Stopwatch.GetTimestamp(), failed && !context.Response.HasStarted ? 500 : context.Response.StatusCode, failed);
            recorder.RequestCompleted(timeline, context);
            Pool.Return(timeline);
        }
    }
}
