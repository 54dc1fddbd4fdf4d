using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.ObjectPool;

namespace LiveDash.AspNetCore;

/// <summary>
/// The first middleware: takes the moment the request's bytes reached the server (measured at the
/// socket by <see cref="ArrivalWatcher"/>), stamps its arrival here, makes its <see cref="RequestTimeline"/>
/// current for the database observer, and records it when the response is done.
/// </summary>
/// <remarks>
/// Between the bytes arriving and this middleware running, the request waits for a thread-pool thread:
/// nothing, when the pool has threads to spare; most of the latency, when blocking handlers starve it.
/// That wait is what end-to-end latency adds to the in-app latency measured from here.
/// </remarks>
sealed class TelemetryMiddleware(RequestDelegate next, TelemetryRecorder recorder, ILiveDashLabels labels, UnmeasuredPaths unmeasured, EndpointThreadTime threads)
{
    static readonly long MaxPlausibleWait = Stopwatch.Frequency * 60;
    static readonly ObjectPool<RequestTimeline> Pool = new DefaultObjectPool<RequestTimeline>(new RequestTimeline.Policy(), 1024);

    public async Task InvokeAsync(HttpContext context)
    {
        var arrived = Stopwatch.GetTimestamp();
        // One request at a time per connection is what the watcher can attribute; HTTP/2 multiplexes, so it counts from here.
        var arrival = HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol)
            ? context.Features.Get<ArrivalWatcher.ConnectionArrival>() : null;
        var received = arrival?.Take() ?? 0;
        // A hub connection lasts as long as a dashboard stays open; it is not a request to measure.
        if (unmeasured.Match(context.Request.Path))
        {
            try { await next(context); }
            finally { arrival?.Rearm(); }
            return;
        }
        if (arrived - received > MaxPlausibleWait) received = 0;
        var timeline = Pool.Get();
        timeline.Start(arrived, received, labels.Of(context));
        if (context.Request.Headers.TryGetValue(SentHeader.Name, out var sent)) NoteClientSend(timeline, sent.ToString());
        var measureThreads = threads.Measuring;
        if (measureThreads) ThreadSlots.Begin(timeline.Threads);
        RequestTimeline.Current = timeline;
        TelemetryActivities.RequestArrived(timeline, labels);
        recorder.RequestStarted();
        // Only while a blocking capture runs: which thread runs which request (one volatile read otherwise).
        var owner = ThreadRouteRecorder.Active ? ThreadRouteRecorder.Enter() : null;
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
            if (owner is not null) ThreadRouteRecorder.Leave(owner, context);
            timeline.Finish(Stopwatch.GetTimestamp(), failed && !context.Response.HasStarted ? 500 : context.Response.StatusCode, failed);
            if (measureThreads)
            {
                ThreadSlots.End(timeline.Threads);
                threads.Record(timeline, context);
                TelemetryActivities.ThreadTime(timeline.Threads);
            }
            recorder.RequestCompleted(timeline, context, endToEndLater: arrival is not null, threadTime: measureThreads);
            arrival?.Rearm(timeline.Mode, timeline.Received, timeline.Arrived, timeline.Ended, timeline.ReceivedMeasured);
            Pool.Return(timeline);
        }
    }

    /// <summary>"Waiting before the server": only when the header is a plausible time on our own clock (0..60 s ago).</summary>
    static void NoteClientSend(RequestTimeline timeline, string value)
    {
        if (!SentHeader.TryParse(value, out var sentUnixMs)) return;
        var receivedUnixMs = (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds
            - Stopwatch.GetElapsedTime(timeline.Received).TotalMilliseconds;
        var before = receivedUnixMs - sentUnixMs;
        if (before is >= -1 and <= 60_000) timeline.SetBeforeServer(Math.Max(0, before));
    }
}
